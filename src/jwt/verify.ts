/**
 * Signature check against a JWKS, as kube-apiserver does it (pkg/serviceaccount/jwt.go): the keys
 * are looked up by the token's kid (all keys when it has none), and each is tried until one
 * verifies. jose is imported only here, on demand: decoding needs no crypto library.
 */
import { JwksFormatError } from './errors.js';
import type { Jwk, Jwks, ParsedToken, Verification } from './types.js';

/** The asymmetric JWS algorithms; kube-apiserver signs RS256 (RSA keys) or ES256/384/512 (EC keys). */
export const SUPPORTED_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;

/** Why a check failed, for callers that choose a fix (findings). */
export type VerifyFailure = 'unknown-kid' | 'bad-signature' | 'unsupported-alg';

export interface VerifyResult {
  verification: Verification;
  failure: VerifyFailure | null;
}

/** Validates the shape of a JWKS document (`{keys: [{kty, …}]}`). */
export function parseJwks(value: unknown): Jwks {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new JwksFormatError('a JWKS is a JSON object {"keys": [...]}');
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new JwksFormatError('the JWKS has no "keys" array');
  keys.forEach((k, i) => {
    if (k === null || typeof k !== 'object' || typeof (k as Jwk).kty !== 'string') throw new JwksFormatError(`key ${i} of the JWKS has no "kty"`);
    if ((k as Jwk).kid !== undefined && typeof (k as Jwk).kid !== 'string') throw new JwksFormatError(`key ${i} of the JWKS has a "kid" that is not a string`);
  });
  return { keys: keys as Jwk[] };
}

export async function verifySignature(token: ParsedToken, jwks: Jwks): Promise<VerifyResult> {
  const alg = token.header.alg;
  const kid = token.header.kid ?? '';
  if (!(SUPPORTED_ALGS as readonly string[]).includes(alg)) {
    return invalid('unsupported-alg', `unsupported alg "${alg}": a Kubernetes issuer signs with RS256 or ES256/ES384/ES512`);
  }
  const candidates = kid === '' ? jwks.keys : jwks.keys.filter((k) => k.kid === kid);
  if (candidates.length === 0) {
    const have = jwks.keys.length === 0 ? 'the JWKS has no keys' : `the issuer publishes ${jwks.keys.length} other key${jwks.keys.length === 1 ? '' : 's'}`;
    return invalid(
      'unknown-kid',
      `${kid === '' ? 'no key to try' : `unknown kid "${kid}"`}: ${have} (kube-apiserver: "invalid signature, no keys found")`,
    );
  }
  const jose = await import('jose');
  const why: string[] = [];
  for (const key of candidates) {
    const name = key.kid ? `key "${key.kid}"` : 'a key without kid';
    if (key.alg !== undefined && key.alg !== alg) {
      why.push(`${name} is for ${key.alg}`);
      continue;
    }
    try {
      const k = await jose.importJWK({ ...key, alg } as Parameters<typeof jose.importJWK>[0], alg);
      await jose.compactVerify(token.compact, k, { algorithms: [alg] });
      return { verification: { status: 'verified', reason: `signature matches ${name}`, kid: key.kid ?? null }, failure: null };
    } catch (e) {
      why.push(`${name}: ${e instanceof jose.errors.JWSSignatureVerificationFailed ? 'signature does not match' : errorText(e)}`);
    }
  }
  return invalid('bad-signature', `bad signature: ${why.join('; ')}`);
}

function invalid(failure: VerifyFailure, reason: string): VerifyResult {
  return { verification: { status: 'invalid', reason, kid: null }, failure };
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
}
