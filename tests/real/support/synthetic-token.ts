/**
 * Synthetic-time ServiceAccount tokens: a real token's claims (so every uid in them is live) with the
 * times a test chooses, signed with the real cluster's own signing key (`${runDir}/pki/sa.key`, the
 * `--service-account-signing-key-file` of its kube-apiserver). kube-apiserver then judges them exactly
 * as it would judge a token it issued at that time: a test can show an expired, a not-yet-valid or a
 * stale token without waiting for one. Tests using these carry `synthetic-time` in their names.
 *
 * The header is what kube-apiserver's own signer writes (k/k pkg/serviceaccount/jwt.go
 * signerFromRSAPrivateKey): `alg` RS256 and `kid` = keyIDFromPublicKey, base64url (no padding) of the
 * SHA-256 of the public key's DER SubjectPublicKeyInfo. The token authenticator picks its verifying keys
 * by that kid (same file, AuthenticateToken), so a wrong kid would fail with `no keys found`, not
 * with the time error the test wants; `clusterKeyId` checks the derived kid against the cluster's
 * `/openid/v1/jwks`.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';

/** The times of a token, in seconds since the epoch (JWT NumericDate); an absent one keeps the template's. */
export interface TokenTimes {
  iat?: number;
  nbf?: number;
  exp?: number;
  /** `kubernetes.io.warnafter`; null removes it. */
  warnafter?: number | null;
}

/** keyIDFromPublicKey (k/k pkg/serviceaccount/jwt.go): base64url(SHA-256(DER SPKI)), no padding. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

/** The cluster's ServiceAccount signing key (`openssl genrsa` PEM under the run directory). */
export function clusterSigningKey(runDir: string): KeyObject {
  return createPrivateKey(readFileSync(path.join(runDir, 'pki', 'sa.key')));
}

/**
 * The kid kube-apiserver puts on the tokens it signs with `key`, checked against its JWKS document
 * (the `keys` of `/openid/v1/jwks`): throws when the cluster does not publish it, since tokens with
 * that kid would then be refused for the wrong reason.
 */
export function clusterKeyId(key: KeyObject, jwks: { keys?: Array<{ kid?: string }> }): string {
  const kid = keyIdOf(createPublicKey(key));
  const published = (jwks.keys ?? []).map((k) => k.kid);
  if (!published.includes(kid)) throw new Error(`the cluster's JWKS does not list the kid of sa.key (${kid}); it lists ${published.join(', ') || 'nothing'}`);
  return kid;
}

/** The payload of a compact JWT, unverified (the template is a token the cluster itself issued). */
export function claimsOf(jwt: string): Record<string, any> {
  const part = jwt.split('.')[1];
  if (part === undefined) throw new Error('not a compact JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/**
 * The template's claims with `times` applied. Everything else (iss, sub, aud, jti, the
 * `kubernetes.io` object with its namespace, ServiceAccount, pod and node refs and their uids) is kept
 * as the cluster wrote it, key order included.
 */
export function withTimes(claims: Record<string, any>, times: TokenTimes): Record<string, any> {
  const out: Record<string, any> = structuredClone(claims);
  for (const k of ['iat', 'nbf', 'exp'] as const) if (times[k] !== undefined) out[k] = times[k];
  if (times.warnafter !== undefined) {
    const k8s = { ...(out['kubernetes.io'] ?? {}) };
    if (times.warnafter === null) delete k8s.warnafter;
    else k8s.warnafter = times.warnafter;
    out['kubernetes.io'] = k8s;
  }
  return out;
}

/** Signs `claims` as kube-apiserver's signer does: RS256, header `{alg, kid}`. */
export function signLikeApiserver(claims: Record<string, any>, key: KeyObject, kid: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
}

/** A real token's claims with other times, signed with `key` (the cluster's): the whole recipe in one call. */
export function syntheticToken(template: string, times: TokenTimes, key: KeyObject, kid: string): Promise<string> {
  return signLikeApiserver(withTimes(claimsOf(template), times), key, kid);
}
