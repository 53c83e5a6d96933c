/**
 * Generators of things that look more or less like a JWT: real signed tokens mutated byte by
 * byte, tokens assembled from random JSON (wrong claim types), raw bytes that are not UTF-8,
 * deeply nested and huge JSON, wrong segment counts, non-base64url characters.
 */
import fc from 'fast-check';
import { KEYS, makeBoundToken, makeExternalToken, makeLegacyToken } from '../support/tokens';

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');
const jsonB64 = (v: unknown) => b64(JSON.stringify(v));

/** A handful of really signed tokens of each shape: the seeds that mutations start from. */
export const SEED_TOKENS: string[] = [
  makeBoundToken(),
  makeBoundToken({ key: KEYS.ec, boundTo: { kind: 'Secret', name: 's', uid: 'u' }, audiences: ['vault', 'api'] }),
  makeBoundToken({ boundTo: null, warnAfterSeconds: 3607, expirationSeconds: 31536000 }),
  makeBoundToken({ boundTo: { kind: 'Node', name: 'node-1', uid: 'n' } }),
  makeLegacyToken(),
  makeLegacyToken({ namespace: 'ci', secretName: 'ci-token-x' }),
  makeExternalToken(),
  makeExternalToken({ audiences: ['a', 'b'], claims: { email: undefined, groups: ['x'] } }),
];

/** Characters that break a JWT in interesting ways: separators, padding, standard base64, whitespace, controls, non-ASCII, lone surrogates. */
const NASTY = ['.', '=', '+', '/', ' ', '\t', '\n', '\r', '\0', '%', '"', '\\', 'é', '€', '😀', '\uD800', '\uDFFF', '\uFEFF', '\u200B', 'ÿ'];
const nastyChar = fc.oneof(fc.constantFrom(...NASTY), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }), fc.constantFrom(...'AZaz09-_'));

/** One edit of a string. */
type Edit = (s: string) => string;
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.nat().map((n) => (s: string) => s.slice(0, n % (s.length + 1))), // truncate
  fc.tuple(fc.nat(), fc.nat({ max: 64 })).map(([at, len]) => (s: string) => s.slice(0, at % (s.length + 1)) + s.slice((at % (s.length + 1)) + len)), // delete a range
  fc.tuple(fc.nat(), nastyChar).map(([at, c]) => (s: string) => {
    const i = at % (s.length + 1);
    return s.slice(0, i) + c + s.slice(i);
  }), // insert
  fc.tuple(fc.nat(), nastyChar).map(([at, c]) => (s: string) => {
    const i = at % Math.max(1, s.length);
    return s.slice(0, i) + c + s.slice(i + 1);
  }), // replace
  fc.nat().map((n) => (s: string) => {
    const segs = s.split('.');
    segs.splice(n % (segs.length + 1), 0, segs[n % segs.length] ?? ''); // duplicate a segment
    return segs.join('.');
  }),
  fc.nat().map((n) => (s: string) => {
    const segs = s.split('.');
    segs.splice(n % segs.length, 1); // drop a segment
    return segs.join('.');
  }),
  fc.nat().map((n) => (s: string) => {
    const segs = s.split('.');
    const i = n % segs.length;
    const j = (n >> 3) % segs.length;
    [segs[i], segs[j]] = [segs[j], segs[i]]; // swap segments
    return segs.join('.');
  }),
  fc.constantFrom<Edit>(
    (s) => `Bearer ${s}`,
    (s) => `  ${s}\n`,
    (s) => Buffer.from(s).toString('base64'), // a Secret's data.token pasted as is
    (s) => s.replace(/-/g, '+').replace(/_/g, '/'), // standard base64
    (s) => s.split('.').map((x) => x + '==').join('.'), // padded
    (s) => s.toUpperCase(),
    (s) => s.repeat(2),
  ),
);

/** A real token with 1–6 edits. */
export const mutatedToken = fc
  .tuple(fc.constantFrom(...SEED_TOKENS), fc.array(edit, { minLength: 1, maxLength: 6 }))
  .map(([t, edits]) => edits.reduce((s, e) => e(s), t));

const CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'kubernetes.io', 'kubernetes.io/serviceaccount/namespace', 'kubernetes.io/serviceaccount/secret.name'];
const HEADER_KEYS = ['alg', 'kid', 'typ', 'crit', 'jku', 'x5c'];
const anyJson = fc.jsonValue({ maxDepth: 2 });
/** Sometimes the right type, often not: strings, numbers (incl. huge, negative, fractional), arrays, objects, null, booleans. */
const claimValue = fc.oneof(
  anyJson,
  fc.double(),
  fc.constantFrom(1e308, -1, 0, 2 ** 53 + 1, 1.5, '1700000000', '', 'kubernetes/serviceaccount'),
  fc.record({ namespace: anyJson, serviceaccount: anyJson, pod: anyJson, secret: anyJson, node: anyJson, warnafter: anyJson }, { requiredKeys: [] }),
  fc.record({ namespace: fc.string(), serviceaccount: fc.record({ name: anyJson, uid: anyJson }, { requiredKeys: [] }) }, { requiredKeys: [] }),
);
const claimsObject = fc.dictionary(fc.oneof(fc.constantFrom(...CLAIMS), fc.string({ maxLength: 12 })), claimValue, { maxKeys: 10 });
const headerObject = fc.oneof(
  fc.constant({ alg: 'RS256', kid: KEYS.rsa.kid }),
  fc.dictionary(fc.oneof(fc.constantFrom(...HEADER_KEYS), fc.string({ maxLength: 6 })), claimValue, { maxKeys: 5 }),
);
const signatureSeg = fc.oneof(fc.uint8Array({ maxLength: 300 }).map(b64), fc.constant(''), fc.string({ maxLength: 40 }));

/** header.payload.signature from random JSON values: every claim type the decoder may meet. */
export const structuredToken = fc
  .tuple(fc.oneof(headerObject, anyJson), fc.oneof({ weight: 4, arbitrary: claimsObject }, { weight: 1, arbitrary: anyJson }), signatureSeg)
  .map(([h, p, s]) => `${jsonB64(h)}.${jsonB64(p)}.${s}`);

/** Segments of raw bytes: mostly not UTF-8, sometimes not JSON. */
export const binaryToken = fc
  .tuple(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 64 }), fc.boolean())
  .map(([h, p, s, validHeader]) => `${validHeader ? jsonB64({ alg: 'RS256' }) : b64(h)}.${b64(p)}.${b64(s)}`);

/** Deeply nested JSON in the header, the payload, or inside a claim: up to 40,000 levels. */
export const deepToken = fc
  .tuple(fc.integer({ min: 101, max: 40_000 }), fc.constantFrom('[', '{"a":'), fc.constantFrom('payload', 'claim', 'header', 'kubernetes.io'))
  .map(([depth, open, where]) => {
    const close = open === '[' ? ']' : '}';
    const nested = open.repeat(depth) + (open === '[' ? '' : '1') + close.repeat(depth);
    const header = where === 'header' ? nested : JSON.stringify({ alg: 'RS256' });
    const payload =
      where === 'payload'
        ? nested
        : where === 'claim'
          ? `{"iss":"x","sub":"system:serviceaccount:a:b","deep":${nested}}`
          : where === 'kubernetes.io'
            ? `{"iss":"x","kubernetes.io":{"namespace":"a","extra":${nested}}}`
            : '{"iss":"x"}';
    return `${b64(header)}.${b64(payload)}.c2ln`;
  });

/** Huge tokens: tens of KiB of claims, on both sides of the 64 KiB limit. */
export const hugeToken = fc
  .tuple(fc.integer({ min: 8 * 1024, max: 80 * 1024 }), fc.constantFrom('string', 'array', 'keys'), fc.constantFrom(...SEED_TOKENS))
  .map(([size, shape, seed]) => {
    const [h, , s] = seed.split('.');
    const claims = JSON.parse(Buffer.from(seed.split('.')[1], 'base64url').toString('utf8'));
    if (shape === 'string') claims.blob = 'x'.repeat(size);
    if (shape === 'array') claims.aud = Array.from({ length: Math.floor(size / 8) }, (_, i) => `a${i}`);
    if (shape === 'keys') for (let i = 0; i < size / 12; i++) claims[`k${i}`] = i;
    return `${h}.${jsonB64(claims)}.${s}`;
  });

/** Any text at all, short: wrong segment counts, dots only, empty, whitespace. */
export const junkText = fc.oneof(
  fc.string({ maxLength: 80, unit: 'binary' }),
  fc.array(fc.constantFrom('.', 'eyJ', 'a', '=', ' ', 'Bearer'), { maxLength: 12 }).map((a) => a.join('')),
  fc.integer({ min: 0, max: 8 }).map((n) => Array.from({ length: n }, () => 'eyJhbGciOiJSUzI1NiJ9').join('.')),
);

/** Everything above, weighted towards the cheap generators. */
export const anyTokenInput = fc.oneof(
  { weight: 12, arbitrary: mutatedToken },
  { weight: 3, arbitrary: structuredToken },
  { weight: 3, arbitrary: binaryToken },
  { weight: 3, arbitrary: junkText },
  { weight: 1, arbitrary: fc.constantFrom(...SEED_TOKENS) },
);
