/** Request bodies: read, size-limited, decoded by Content-Type (JSON, YAML, Kubernetes protobuf). */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { StatusError } from '../errors';

const LIMIT = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > LIMIT) {
        reject(new StatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Decodes Kubernetes protobuf bodies (the protobuf/ module); undefined until it is wired in. */
export type ProtobufDecoder = (body: Buffer, hint: { group: string; version: string; resource?: string; subresource?: string }) => unknown;

export function decodeBody(
  raw: Buffer,
  contentType: string | undefined,
  protobuf: ProtobufDecoder | undefined,
  hint: { group: string; version: string; resource?: string; subresource?: string },
): unknown {
  if (raw.length === 0) return undefined;
  const ct = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
  if (ct === 'application/vnd.kubernetes.protobuf') {
    if (!protobuf) throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
    return protobuf(raw, hint);
  }
  const text = raw.toString('utf8');
  try {
    if (ct === 'application/yaml' || ct === 'application/apply-patch+yaml') return parseYaml(text);
    return JSON.parse(text);
  } catch (e) {
    throw new StatusError(400, 'BadRequest', `the object provided is unrecognized: ${(e as Error).message}`);
  }
}
