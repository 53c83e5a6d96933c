/**
 * Strict parsing of a compact JWS. jwt-decode is not used: it does not check segment count,
 * base64url alphabet or claim types, and its errors echo the input. Every failure here is a
 * TokenFormatError whose message names the problem and never contains the token.
 */
import { TokenFormatError } from './errors.js';
import { unwrapPasted } from './pasted.js';
import type { JwtClaims, JwtHeader, ParsedToken } from './types.js';

/** A projected token is about 1 KiB; anything over 64 KiB is not a token (and would be costly). */
export const MAX_TOKEN_BYTES = 64 * 1024;

/**
 * A real token's JSON nests 3 levels. Deeper JSON parses, but overflows the stack later, in
 * JSON.stringify and the YAML/table renderers (about 5,000 levels fit in 64 KiB): refuse it here.
 */
export const MAX_JSON_DEPTH = 100;

const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** What a refusal says is expected, and the wrappers taken off (pasted.ts). */
const EXPECTED = 'expected: a JWT, three base64url segments (A-Z a-z 0-9 - _) joined by dots, alone, after "Bearer " or "token: ", or as a quoted JSON string';

/** Parses `raw` (surrounding whitespace and what pasting brings along: pasted.ts) into header and claims. */
export function parseToken(raw: string): ParsedToken {
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes > MAX_TOKEN_BYTES) {
    throw new TokenFormatError('too-large', `the input is ${bytes} bytes; a token is at most 64 KiB`);
  }
  const compact = unwrapPasted(raw);
  if (compact === '') throw new TokenFormatError('empty', 'the input is empty: no token given');
  if (/\s/.test(compact)) {
    const pieces = compact.split(/\s+/).length;
    throw new TokenFormatError('segments', `the token contains whitespace: ${pieces} pieces where a JWT is one unbroken line (${EXPECTED})`);
  }
  const segments = compact.split('.');
  if (segments.length !== 3) {
    throw new TokenFormatError(
      'segments',
      `a JWT has 3 dot-separated segments, header.payload.signature; this has ${segments.length}`,
    );
  }
  const header = decodeObject(segments[0], 'header');
  const claims = decodeObject(segments[1], 'payload');
  checkSegment(segments[2], 'signature');
  return { header: checkHeader(header), claims: checkClaims(claims), compact };
}

function checkSegment(seg: string, name: string): void {
  if (!BASE64URL.test(seg)) {
    const at = [...seg].findIndex((c) => !/[A-Za-z0-9_-]/.test(c));
    const c = seg[at];
    throw new TokenFormatError('base64url', `the ${name} segment is not base64url: ${describeChar(c)} at offset ${at} (${EXPECTED})`);
  }
  if (seg.length % 4 === 1) {
    throw new TokenFormatError('base64url', `the ${name} segment is not base64url: its length ${seg.length} is impossible`);
  }
}

/** A character in general terms: never more of the input than one character of a fixed, harmless set. */
function describeChar(c: string | undefined): string {
  if (c === '=') return 'padding "="';
  if (c === '+' || c === '/') return `"${c}" (standard base64, not base64url)`;
  if (c === '"' || c === "'") return 'a quote without its partner';
  if (c === '\\') return 'a backslash (a JSON escape that is not one)';
  if (c === ':' || c === ',' || c === '{' || c === '}' || c === '[' || c === ']') return `"${c}" (part of the text around a token?)`;
  const code = c?.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return 'a control character';
  if (code > 0x7f) return 'a non-ASCII character';
  return 'a character outside A-Z a-z 0-9 - _';
}

function decodeObject(seg: string, name: 'header' | 'payload'): Record<string, unknown> {
  if (seg === '') throw new TokenFormatError('segments', `the ${name} segment is empty`);
  checkSegment(seg, name);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(seg, 'base64url'));
  } catch {
    throw new TokenFormatError('json', `the ${name} is not UTF-8 text`);
  }
  if (nestingDepth(text) > MAX_JSON_DEPTH) {
    throw new TokenFormatError('json', `the ${name} nests JSON more than ${MAX_JSON_DEPTH} levels deep`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the input; say only what is wrong.
    throw new TokenFormatError('json', `the ${name} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenFormatError('not-object', `the ${name} is JSON but not an object (it is ${describe(value)})`);
  }
  return value as Record<string, unknown>;
}

/** The deepest nesting of [ and { outside strings (the text need not be valid JSON). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

function checkHeader(h: Record<string, unknown>): JwtHeader {
  if (typeof h.alg !== 'string' || h.alg === '') {
    throw new TokenFormatError('header', h.alg === undefined ? 'the header has no "alg"' : `the header "alg" is ${describe(h.alg)}, not a name`);
  }
  for (const k of ['kid', 'typ'] as const) {
    if (h[k] !== undefined && typeof h[k] !== 'string') {
      throw new TokenFormatError('header', `the header "${k}" is ${describe(h[k])}, not a string`);
    }
  }
  return h as JwtHeader;
}

/** Claim types as kube-apiserver's decoder (go-jose jwt.Claims + the private claims) demands. */
function checkClaims(c: Record<string, unknown>): JwtClaims {
  for (const k of ['exp', 'nbf', 'iat']) expect(c[k], k, 'a number (NumericDate)', isNumericDate);
  for (const k of ['iss', 'sub', 'jti']) expect(c[k], k, 'a string', isString);
  expect(c.aud, 'aud', 'a string or an array of strings', (v) => isString(v) || (Array.isArray(v) && v.every(isString)));

  const k8s = c['kubernetes.io'];
  if (k8s !== undefined) {
    expect(k8s, 'kubernetes.io', 'an object', isObject);
    const o = k8s as Record<string, unknown>;
    expect(o.namespace, 'kubernetes.io.namespace', 'a string', isString);
    expect(o.warnafter, 'kubernetes.io.warnafter', 'a number (NumericDate)', isNumericDate);
    for (const ref of ['serviceaccount', 'pod', 'secret', 'node']) {
      expect(o[ref], `kubernetes.io.${ref}`, 'an object {name, uid}', isObject);
      const r = (o[ref] ?? {}) as Record<string, unknown>;
      expect(r.name, `kubernetes.io.${ref}.name`, 'a string', isString);
      expect(r.uid, `kubernetes.io.${ref}.uid`, 'a string', isString);
    }
  }
  for (const k of Object.keys(c)) {
    if (k.startsWith('kubernetes.io/serviceaccount/')) expect(c[k], k, 'a string', isString);
  }
  return c as JwtClaims;
}

function expect(v: unknown, claim: string, want: string, ok: (v: unknown) => boolean): void {
  if (v !== undefined && !ok(v)) {
    throw new TokenFormatError('claim-type', `the claim "${claim}" must be ${want}, not ${describe(v)}`);
  }
}

const isString = (v: unknown): boolean => typeof v === 'string';
const isNumericDate = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

/** "a string", "an array", "null" — the type of a value, never the value (it may be secret). */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'missing' : `a ${t}`;
}
