/**
 * Signing keys for the emulator's ServiceAccount tokens, as kube-apiserver keeps them
 * (pkg/serviceaccount/jwt.go): RS256, header `kid` = base64url(SHA-256(DER SubjectPublicKeyInfo)),
 * verification keys looked up by kid (`StaticPublicKeysGetter`), JWKS served with `use: sig`.
 *
 * RSA generation costs ~100 ms, so keys are cached per process by slot name: every emulator in one
 * test process shares the same "primary" key unless it asks for another slot.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { KeySet } from '../host';

const cache = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();

/** An RSA 2048 key pair, generated once per process per `slot`. */
export function rsaKeyPair(slot = 'primary'): { privateKey: KeyObject; publicKey: KeyObject } {
  let pair = cache.get(slot);
  if (!pair) {
    pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    cache.set(slot, pair);
  }
  return pair;
}

/** keyIDFromPublicKey: base64url (no padding) of SHA-256 over the DER SPKI. */
export function keyIdFor(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * Go's encoding/json marshals maps with sorted keys, and go-jose builds the payload as a map,
 * so real tokens carry their claims in alphabetical order at every level. Reproduce that.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Compact JWS, RS256, header `{"alg":"RS256","kid":…}` (go-jose's order). */
export function signJwt(privateKey: KeyObject, kid: string | undefined, claims: Record<string, unknown>): string {
  const header = kid === undefined ? { alg: 'RS256' } : { alg: 'RS256', kid };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(canonicalJson(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), privateKey);
  return `${signingInput}.${b64url(signature)}`;
}

export interface KeySetOptions {
  /** Key slot for the signing key (default "primary"). */
  slot?: string;
  /** Extra trusted public keys (e.g. an old key after rotation): they verify but never sign. */
  extraVerificationKeys?: KeyObject[];
  /** Use this private key (PEM or KeyObject) instead of a generated one. */
  privateKey?: KeyObject | string;
}

/** The emulator's key set: the first key signs; all keys verify (the --service-account-key-file set). */
export interface EmulatorKeySet extends KeySet {
  /** kid of the signing key. */
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PEM of the signing public key (what a kubeadm cluster keeps in sa.pub). */
  publicKeyPem(): string;
}

export function createKeySet(opts: KeySetOptions = {}): EmulatorKeySet {
  const pair = opts.privateKey
    ? (() => {
        const privateKey = typeof opts.privateKey === 'string' ? createPrivateKey(opts.privateKey) : opts.privateKey!;
        return { privateKey, publicKey: createPublicKey(privateKey) };
      })()
    : rsaKeyPair(opts.slot);
  const kid = keyIdFor(pair.publicKey);
  const verification = [pair.publicKey, ...(opts.extraVerificationKeys ?? [])].map((key) => ({
    kid: keyIdFor(key),
    key,
    alg: 'RS256',
  }));
  return {
    kid,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    sign: (claims) => signJwt(pair.privateKey, kid, claims),
    publicKeys: () => verification,
    jwks: () => ({
      keys: verification.map(({ kid: keyId, key, alg }) => {
        const jwk = key.export({ format: 'jwk' }) as Record<string, unknown>;
        // go-jose's JSONWebKey.MarshalJSON order: use, kty, kid, alg, n, e.
        return { use: 'sig', kty: jwk.kty, kid: keyId, alg, n: jwk.n, e: jwk.e };
      }),
    }),
    publicKeyPem: () => pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * A key the emulator does NOT trust, for tests of forged tokens: `sign(claims, kid?)` signs with the
 * foreign key and, by default, the foreign kid ("invalid signature, no keys found"); pass the
 * trusted kid to get a bad signature under a known kid (go-jose's crypto error).
 */
export function foreignSigner(slot = 'foreign'): { kid: string; sign(claims: Record<string, unknown>, kid?: string): string } {
  const pair = rsaKeyPair(slot);
  const kid = keyIdFor(pair.publicKey);
  return { kid, sign: (claims, useKid = kid) => signJwt(pair.privateKey, useKid, claims) };
}
