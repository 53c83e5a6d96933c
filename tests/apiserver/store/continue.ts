/**
 * LIST continue tokens, shaped as upstream's: base64url (no padding) of the JSON
 * {"v":"meta.k8s.io/v1","rv":N,"start":KEY}, decoded with upstream's checks and error texts
 * (k/k staging/src/k8s.io/apiserver/pkg/storage/continue.go DecodeContinue; the list answers a
 * failure as a 400 "invalid continue token: <error>", storage/cacher and storage/etcd3 store.go).
 */
import { badRequest, StatusError } from '../errors';

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

const GENERIC = 'continue key is not valid';

/** The key after which the next page starts: `ns/name` (cluster-scoped: `/name`), NUL-terminated as etcd3's next key. */
export function encodeContinue(rv: number, ns: string, name: string): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: `${ns}/${name}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function invalidToken(detail: string): StatusError {
  return badRequest(`invalid continue token: ${detail}`);
}

/** Go's base64.RawURLEncoding.DecodeString errors: the first byte outside the alphabet, or a lone final character. */
function base64Error(s: string): string | undefined {
  const bad = s.search(/[^A-Za-z0-9_-]/);
  if (bad !== -1) return `illegal base64 data at input byte ${bad}`;
  if (s.length % 4 === 1) return `illegal base64 data at input byte ${s.length - 1}`;
  return undefined;
}

/** Go's path.Clean of a rooted path: no empty, `.` or `..` elements, no trailing slash. */
function cleanRooted(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

export function decodeContinue(s: string): { ns: string; name: string } {
  const b64 = base64Error(s);
  if (b64) throw invalidToken(`${GENERIC}: ${b64}`);
  let t: Partial<ContinueToken>;
  try {
    t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch (e) {
    // encoding/json's own wording is not reproduced; the prefix is upstream's.
    throw invalidToken(`${GENERIC}: ${(e as Error).message}`);
  }
  if (t === null || typeof t !== 'object' || Array.isArray(t) || (t.v != null && typeof t.v !== 'string')
    || (t.rv != null && !Number.isSafeInteger(t.rv)) || (t.start != null && typeof t.start !== 'string')) {
    throw invalidToken(`${GENERIC}: the token is not a continue token`);
  }
  const version = t.v ?? '';
  if (version !== 'meta.k8s.io/v1') throw invalidToken(`${GENERIC}: server does not recognize this encoded version ${version}`);
  if (!t.rv) throw invalidToken(`${GENERIC}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)`);
  const startKey = t.start ?? '';
  if (startKey === '') throw invalidToken(`${GENERIC}: encoded start key empty (version meta.k8s.io/v1)`);
  // A start key may not climb above the listed prefix.
  const key = startKey.startsWith('/') ? startKey : `/${startKey}`;
  if (cleanRooted(key) !== key) throw invalidToken(`${GENERIC}: ${startKey}`);
  const start = startKey.replace(/\u0000$/, '');
  const slash = start.indexOf('/');
  return { ns: start.slice(0, slash), name: start.slice(slash + 1) };
}
