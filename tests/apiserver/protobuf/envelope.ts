/**
 * The Kubernetes protobuf wire format (apimachinery/pkg/runtime/serializer/protobuf):
 * 4 magic bytes `k8s\0`, then a runtime.Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding,
 * contentType} whose `raw` is the typed message.
 *
 * decodeKubernetesProtobuf turns a body into the object the JSON API would have received: Time as
 * RFC 3339 strings, bytes as base64, int64 as numbers, and Go's omitempty applied (empty strings,
 * empty lists/maps, zero generation dropped) since gogo-protobuf writes every non-pointer field.
 *
 * Every kubectl 1.32 request seen so far sends `Accept: application/vnd.kubernetes.protobuf,application/json`
 * (fixtures/README.md), so no response has to be protobuf; encodeKubernetesProtobuf exists for tests
 * and for a client that accepts protobuf only.
 */
import type protobuf from 'protobufjs';
import { MESSAGE_FOR_KIND, protoRoot } from './schema';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export class ProtobufDecodeError extends Error {}

export function isProtobufContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === PROTOBUF_CONTENT_TYPE;
}

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
  contentEncoding: string;
  contentType: string;
}

export function decodeEnvelope(body: Uint8Array): Envelope {
  const buf = Buffer.from(body);
  if (buf.length < 4 || !buf.subarray(0, 4).equals(PROTOBUF_MAGIC)) {
    throw new ProtobufDecodeError('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  const Unknown = protoRoot().lookupType('k8s.Unknown');
  const msg = Unknown.toObject(Unknown.decode(buf.subarray(4)), { bytes: Buffer as unknown as typeof String, defaults: false }) as {
    typeMeta?: { apiVersion?: string; kind?: string };
    raw?: Buffer;
    contentEncoding?: string;
    contentType?: string;
  };
  return {
    apiVersion: msg.typeMeta?.apiVersion ?? '',
    kind: msg.typeMeta?.kind ?? '',
    raw: msg.raw ? Buffer.from(msg.raw) : Buffer.alloc(0),
    contentEncoding: msg.contentEncoding ?? '',
    contentType: msg.contentType ?? '',
  };
}

function messageType(apiVersion: string, kind: string): protobuf.Type {
  const name = MESSAGE_FOR_KIND[`${apiVersion} ${kind}`];
  if (!name) throw new ProtobufDecodeError(`no protobuf decoder for ${apiVersion}, Kind=${kind}`);
  return protoRoot().lookupType(`k8s.${name}`);
}

/** The JSON-form object (apiVersion and kind first) that the body encodes. */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  const env = decodeEnvelope(body);
  if (env.contentEncoding) throw new ProtobufDecodeError(`unsupported content encoding ${JSON.stringify(env.contentEncoding)}`);
  const type = messageType(env.apiVersion, env.kind);
  const decoded = type.toObject(type.decode(env.raw), { longs: Number, bytes: String, defaults: false, arrays: false, objects: false });
  const json = toJson(type, decoded) ?? {};
  return { apiVersion: env.apiVersion, kind: env.kind, ...(json as Record<string, unknown>) };
}

function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

const DROP_ZERO = new Set(['k8s.ObjectMeta.generation', 'k8s.ObjectMeta.deletionGracePeriodSeconds']);

function toJson(type: protobuf.Type, obj: Record<string, unknown>): unknown {
  if (type.fullName === '.k8s.Time') {
    const s = obj.seconds as number | undefined;
    return s ? rfc3339(s) : undefined;
  }
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    const sub = field.resolvedType && 'fieldsArray' in field.resolvedType ? (field.resolvedType as protobuf.Type) : undefined;
    let value: unknown = v;
    if (field.map) {
      const m: Record<string, unknown> = {};
      for (const [k, mv] of Object.entries(v as Record<string, unknown>)) {
        m[k] = sub ? (sub.fullName === '.k8s.ExtraValue' ? ((mv as { items?: string[] }).items ?? []) : toJson(sub, mv as Record<string, unknown>)) : mv;
      }
      value = Object.keys(m).length > 0 ? m : undefined;
    } else if (field.repeated) {
      const arr = (v as unknown[]).map((item) => (sub ? toJson(sub, item as Record<string, unknown>) : item));
      value = arr.length > 0 ? arr : undefined;
    } else if (sub) {
      value = toJson(sub, v as Record<string, unknown>);
      if (value && typeof value === 'object' && Object.keys(value).length === 0) value = undefined;
    } else if (v === '') {
      value = undefined;
    } else if (v === 0 && DROP_ZERO.has(`${type.fullName.slice(1)}.${field.name}`)) {
      value = undefined;
    }
    if (value !== undefined) out[field.name] = value;
  }
  return out;
}

/** Encode a JSON-form object (with apiVersion/kind) as a `k8s\0` envelope. */
export function encodeKubernetesProtobuf(obj: Record<string, unknown>): Buffer {
  const apiVersion = String(obj.apiVersion ?? '');
  const kind = String(obj.kind ?? '');
  const type = messageType(apiVersion, kind);
  const raw = type.encode(type.fromObject(fromJson(type, obj) as Record<string, unknown>)).finish();
  const Unknown = protoRoot().lookupType('k8s.Unknown');
  const env = Unknown.encode(Unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish();
  return Buffer.concat([PROTOBUF_MAGIC, Buffer.from(env)]);
}

function fromJson(type: protobuf.Type, obj: unknown): unknown {
  if (type.fullName === '.k8s.Time') return { seconds: Math.floor(Date.parse(String(obj)) / 1000) };
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const v = src[field.name];
    if (v === undefined || v === null) continue;
    const sub = field.resolvedType && 'fieldsArray' in field.resolvedType ? (field.resolvedType as protobuf.Type) : undefined;
    if (field.map) {
      const m: Record<string, unknown> = {};
      for (const [k, mv] of Object.entries(v as Record<string, unknown>)) {
        m[k] = sub ? (sub.fullName === '.k8s.ExtraValue' ? { items: mv } : fromJson(sub, mv)) : field.type === 'bytes' ? Buffer.from(String(mv), 'base64') : mv;
      }
      out[field.name] = m;
    } else if (field.repeated) out[field.name] = (v as unknown[]).map((item) => (sub ? fromJson(sub, item) : item));
    else out[field.name] = sub ? fromJson(sub, v) : v;
  }
  return out;
}
