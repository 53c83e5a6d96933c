/**
 * Test tokens, really signed with the tests' own keys (tests/fixtures/tokens/*.pem), shaped as
 * kube-apiserver issues them (pkg/serviceaccount/claims.go, legacy.go). Every maker takes
 * overrides; `claims` / `header` entries set to undefined remove that claim / parameter.
 *
 *   makeBoundToken({ boundTo: { kind: 'Pod', name: 'web', uid: '…' }, expirationSeconds: 3607 })
 *   makeLegacyToken({ namespace: 'ci', serviceAccount: { name: 'deployer', uid: '…' } })
 *   makeExternalToken({ issuer: 'https://accounts.google.com', audiences: ['my-app'] })
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface TestKey {
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** base64url(SHA-256(DER of the public key)), as kube-apiserver derives it. */
  kid: string;
}

function keyFrom(privateKey: KeyObject): TestKey {
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    alg: privateKey.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256',
    privateKey,
    publicKey,
    kid: createHash('sha256').update(der).digest('base64url'),
  };
}

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'tokens');
const load = (file: string) => keyFrom(createPrivateKey(readFileSync(path.join(FIXTURES, file), 'utf8')));

/** The fixed test keys: stable kids for golden files. */
export const KEYS = { rsa: load('rsa-key.pem'), ec: load('ec-key.pem') };

/** A fresh key (for "another cluster's key" cases). */
export function newKey(type: 'rsa' | 'ec' = 'rsa'): TestKey {
  const { privateKey } =
    type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return keyFrom(privateKey);
}

/** The public JWKS of `keys`, as /openid/v1/jwks serves it. */
export function jwksOf(...keys: TestKey[]): { keys: Array<Record<string, unknown>> } {
  return {
    keys: keys.map((k) => ({ ...(k.publicKey.export({ format: 'jwk' }) as object), kid: k.kid, alg: k.alg, use: 'sig' })),
  };
}

/** The test clock's default "now": 2026-11-28T16:00:00Z. */
export const TEST_NOW = new Date('2026-11-28T16:00:00Z');
export const TEST_ISSUER = 'https://kubernetes.default.svc.cluster.local';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

/** Drops the keys whose override value is undefined (so an override can remove a claim). */
function merge(base: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Signs any header + payload with `key` (JWS compact); the header gets alg and kid unless overridden. */
export function signJwt(payload: Record<string, unknown>, key: TestKey = KEYS.rsa, header: Record<string, unknown> = {}): string {
  const h = merge({ alg: key.alg, kid: key.kid }, header);
  const input = `${b64(h)}.${b64(payload)}`;
  const sig =
    key.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${sig.toString('base64url')}`;
}

export interface CommonOverrides {
  key?: TestKey;
  /** Header parameters to set (undefined removes). */
  header?: Record<string, unknown>;
  /** Claims to set or replace after the shape is built (undefined removes). */
  claims?: Record<string, unknown>;
}

export interface BoundOverrides extends CommonOverrides {
  /** Issue time (iat = nbf); default TEST_NOW minus 19 minutes. */
  issuedAt?: Date;
  expirationSeconds?: number;
  audiences?: string[];
  issuer?: string;
  namespace?: string;
  serviceAccount?: { name: string; uid: string };
  /** The bound object; default a Pod. null = not bound (plain `kubectl create token`). */
  boundTo?: { kind: 'Pod' | 'Secret' | 'Node'; name: string; uid: string } | null;
  /** The node claim of a pod-bound token; default node-1 for pods; null = none. */
  node?: { name: string; uid: string } | null;
  /** Seconds after issue when the token turns stale (extended tokens: 3607). */
  warnAfterSeconds?: number;
  jti?: string;
}

/** A TokenRequest / projected token, as claims.go builds it. */
export function makeBoundToken(o: BoundOverrides = {}): string {
  const iat = epoch(o.issuedAt ?? new Date(TEST_NOW.getTime() - 19 * 60_000));
  const namespace = o.namespace ?? 'default';
  const sa = o.serviceAccount ?? { name: 'app', uid: '5a0b6a8e-7c8e-4d0e-9d1f-3c4b5a6d7e8f' };
  const bound = o.boundTo === undefined ? { kind: 'Pod' as const, name: 'web-7d4b9c-x2x9q', uid: 'c0ffee00-1111-4222-8333-444455556666' } : o.boundTo;
  const node = o.node === undefined ? (bound?.kind === 'Pod' ? { name: 'node-1', uid: '0d0e0f10-aaaa-4bbb-8ccc-dddddddddddd' } : null) : o.node;
  const k8s: Record<string, unknown> = { namespace, serviceaccount: sa };
  if (bound?.kind === 'Pod') k8s.pod = { name: bound.name, uid: bound.uid };
  if (bound?.kind === 'Secret') k8s.secret = { name: bound.name, uid: bound.uid };
  if (bound?.kind === 'Node') k8s.node = { name: bound.name, uid: bound.uid };
  else if (node) k8s.node = node;
  if (o.warnAfterSeconds !== undefined) k8s.warnafter = iat + o.warnAfterSeconds;
  const issuer = o.issuer ?? TEST_ISSUER;
  const payload = {
    aud: o.audiences ?? [issuer],
    exp: iat + (o.expirationSeconds ?? 3600),
    iat,
    iss: issuer,
    jti: o.jti ?? '8f2b6c1e-3d4a-4e5f-9a6b-7c8d9e0f1a2b',
    'kubernetes.io': k8s,
    nbf: iat,
    sub: `system:serviceaccount:${namespace}:${sa.name}`,
  };
  return signJwt(merge(payload, o.claims), o.key, o.header);
}

export interface LegacyOverrides extends CommonOverrides {
  namespace?: string;
  serviceAccount?: { name: string; uid: string };
  secretName?: string;
}

/** A Secret-based token, as legacy.go builds it: no aud, exp or iat. */
export function makeLegacyToken(o: LegacyOverrides = {}): string {
  const namespace = o.namespace ?? 'default';
  const sa = o.serviceAccount ?? { name: 'deployer', uid: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b' };
  const payload = {
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': namespace,
    'kubernetes.io/serviceaccount/secret.name': o.secretName ?? `${sa.name}-token`,
    'kubernetes.io/serviceaccount/service-account.name': sa.name,
    'kubernetes.io/serviceaccount/service-account.uid': sa.uid,
    sub: `system:serviceaccount:${namespace}:${sa.name}`,
  };
  return signJwt(merge(payload, o.claims), o.key, o.header);
}

export interface ExternalOverrides extends CommonOverrides {
  issuer?: string;
  audiences?: string[] | string;
  subject?: string;
  issuedAt?: Date;
  expirationSeconds?: number;
}

/** Another issuer's token (an OIDC id_token). */
export function makeExternalToken(o: ExternalOverrides = {}): string {
  const iat = epoch(o.issuedAt ?? new Date(TEST_NOW.getTime() - 5 * 60_000));
  const payload = {
    iss: o.issuer ?? 'https://accounts.example.com',
    sub: o.subject ?? '110169484474386276334',
    aud: o.audiences ?? 'my-client-id',
    iat,
    exp: iat + (o.expirationSeconds ?? 3600),
    email: 'dev@example.com',
  };
  return signJwt(merge(payload, o.claims), o.key ?? KEYS.ec, o.header);
}

/** A token's signature segment, to assert that no output contains it. */
export function signatureOf(token: string): string {
  return token.split('.')[2];
}
