/**
 * PATCH bodies: JSON merge patch (RFC 7386), strategic merge patch (applied as a merge patch with
 * the list-merge keys the emulated kinds need), and JSON patch (RFC 6902).
 */
import { StatusError } from '../errors';

type Json = any;

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Lists merged by a key in strategic merge patch (the ones our kinds carry). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  conditions: 'type',
  ownerReferences: 'uid',
  imagePullSecrets: 'name',
  secrets: 'name',
};

export function strategicMergePatch(target: Json, patch: Json, field = ''): Json {
  if (Array.isArray(patch) && Array.isArray(target) && MERGE_KEYS[field]) {
    const key = MERGE_KEYS[field];
    const out = target.map((x) => x);
    for (const item of patch) {
      if (!isObject(item)) continue;
      const i = out.findIndex((x) => isObject(x) && x[key] === item[key]);
      if (item.$patch === 'delete') {
        if (i >= 0) out.splice(i, 1);
      } else if (i >= 0) out[i] = strategicMergePatch(out[i], item);
      else out.push(stripDirectives(item));
    }
    return out;
  }
  if (!isObject(patch)) return patch;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k], v, k);
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: string[], op: string): { parent: Json; key: string } {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (cur === undefined) throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request`);
  }
  void op;
  return { parent: cur, key: parts[parts.length - 1] };
}

function get(doc: Json, parts: string[]): Json {
  let cur = doc;
  for (const p of parts) {
    cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

export function jsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new StatusError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let out = structuredClone(doc);
  for (const op of ops) {
    const parts = pointer(op.path ?? '');
    const apply = (value: Json, kind: 'add' | 'replace') => {
      if (parts.length === 0) {
        out = value;
        return;
      }
      const { parent, key } = parentOf(out, parts, kind);
      if (Array.isArray(parent)) {
        const i = key === '-' ? parent.length : Number(key);
        if (kind === 'add') parent.splice(i, 0, value);
        else parent[i] = value;
      } else if (isObject(parent)) {
        if (kind === 'replace' && !(key in parent)) {
          throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request`);
        }
        parent[key] = value;
      }
    };
    const remove = (p: string[]) => {
      const { parent, key } = parentOf(out, p, 'remove');
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else if (isObject(parent) && key in parent) delete parent[key];
      else throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request`);
    };
    switch (op.op) {
      case 'add':
        apply(structuredClone(op.value), 'add');
        break;
      case 'replace':
        apply(structuredClone(op.value), 'replace');
        break;
      case 'remove':
        remove(parts);
        break;
      case 'move': {
        const from = pointer(op.from);
        const v = get(out, from);
        remove(from);
        apply(v, 'add');
        break;
      }
      case 'copy':
        apply(structuredClone(get(out, pointer(op.from))), 'add');
        break;
      case 'test':
        if (JSON.stringify(get(out, parts)) !== JSON.stringify(op.value)) {
          throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request`);
        }
        break;
      default:
        throw new StatusError(400, 'BadRequest', `Unexpected kind: ${op.op}`);
    }
  }
  return out;
}
