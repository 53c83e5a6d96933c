import fc from 'fast-check';
import { parseToken, TokenFormatError, MAX_TOKEN_BYTES } from '../../../src/jwt';
import { KEYS, makeBoundToken, signJwt, signatureOf } from '../../support/tokens';

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const good = makeBoundToken();
const [h, p, s] = good.split('.');
/** A token whose payload is `payload` (JSON text), correctly signed. */
const withPayload = (payload: Record<string, unknown>) => signJwt(payload, KEYS.rsa);

describe('parseToken accepts', () => {
  it.each([
    ['a bare token', good],
    ['surrounding whitespace and a newline', `  \n${good}\n\n`],
    ['a Bearer prefix', `Bearer ${good}`],
    ['a lower-case bearer prefix with spaces', `  bearer   ${good} `],
  ])('%s', (_name, input) => {
    const t = parseToken(input);
    expect(t.compact).toBe(good);
    expect(t.header).toEqual({ alg: 'RS256', kid: KEYS.rsa.kid });
    expect(t.claims.sub).toBe('system:serviceaccount:default:app');
  });

  it('an ES256 token, a string aud, fractional NumericDates and unknown claims', () => {
    const t = parseToken(withPayload({ aud: 'vault', exp: 1.5e9 + 0.25, custom: { x: [1] } }));
    expect(t.claims.aud).toBe('vault');
    expect(t.claims.exp).toBe(1.5e9 + 0.25);
    expect(t.claims.custom).toEqual({ x: [1] });
  });
});

describe('parseToken refuses, with one line that names the problem and never the token', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['empty input', '', 'empty', /empty/],
    ['only whitespace', ' \n\t ', 'empty', /empty/],
    ['only "Bearer "', 'Bearer   ', 'empty', /empty/],
    ['two segments', `${h}.${p}`, 'segments', /3 dot-separated segments.*this has 2/],
    ['four segments', `${good}.x`, 'segments', /this has 4/],
    ['one segment', 'hello', 'segments', /this has 1/],
    ['whitespace inside', `${h}.${p} .${s}`, 'segments', /whitespace/],
    ['an empty header segment', `.${p}.${s}`, 'segments', /header segment is empty/],
    ['an empty payload segment', `${h}..${s}`, 'segments', /payload segment is empty/],
    ['standard base64 "+" in the payload', `${h}.${p.slice(0, 10)}+${p.slice(11)}.${s}`, 'base64url', /payload segment is not base64url: "\+"/],
    ['padding in the header', `${h}==.${p}.${s}`, 'base64url', /header segment is not base64url: padding/],
    ['a bad character in the signature', `${h}.${p}.${s.slice(0, 5)}*${s.slice(6)}`, 'base64url', /signature segment is not base64url/],
    ['an impossible base64url length', `${h}.${p}.${s}A`.replace(/\.[^.]*$/, '.AAAAA'), 'base64url', /length 5 is impossible/],
    ['a header that is not JSON', `${b64('{alg:')}.${p}.${s}`, 'json', /header is not valid JSON/],
    ['a payload that is not JSON', `${h}.${b64('not json')}.${s}`, 'json', /payload is not valid JSON/],
    ['a payload that is not UTF-8', `${h}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${s}`, 'json', /not UTF-8/],
    ['a payload that is a JSON array', `${h}.${b64('[1,2]')}.${s}`, 'not-object', /payload is JSON but not an object \(it is an array\)/],
    ['a payload that is a JSON string', `${h}.${b64('"x"')}.${s}`, 'not-object', /it is a string/],
    ['a header that is null', `${b64('null')}.${p}.${s}`, 'not-object', /header is JSON but not an object \(it is null\)/],
    ['a header without alg', `${b64('{"typ":"JWT"}')}.${p}.${s}`, 'header', /no "alg"/],
    ['a header alg that is a number', `${b64('{"alg":256}')}.${p}.${s}`, 'header', /"alg" is a number/],
    ['a header kid that is an object', `${b64('{"alg":"RS256","kid":{}}')}.${p}.${s}`, 'header', /"kid" is an object/],
    ['exp a string', withPayload({ exp: '1764345600' }), 'claim-type', /claim "exp" must be a number \(NumericDate\), not a string/],
    ['iat null', withPayload({ iat: null }), 'claim-type', /claim "iat" must be a number.*not null/],
    ['nbf a boolean', withPayload({ nbf: true }), 'claim-type', /claim "nbf".*not a boolean/],
    ['aud a number', withPayload({ aud: 42 }), 'claim-type', /claim "aud" must be a string or an array of strings, not a number/],
    ['aud an array holding a number', withPayload({ aud: ['a', 1] }), 'claim-type', /claim "aud"/],
    ['iss a number', withPayload({ iss: 1 }), 'claim-type', /claim "iss" must be a string/],
    ['sub an array', withPayload({ sub: ['x'] }), 'claim-type', /claim "sub" must be a string, not an array/],
    ['kubernetes.io a string', withPayload({ 'kubernetes.io': 'default' }), 'claim-type', /"kubernetes.io" must be an object/],
    ['kubernetes.io.pod.uid a number', withPayload({ 'kubernetes.io': { pod: { name: 'p', uid: 7 } } }), 'claim-type', /"kubernetes.io.pod.uid" must be a string/],
    ['kubernetes.io.warnafter a string', withPayload({ 'kubernetes.io': { warnafter: 'soon' } }), 'claim-type', /"kubernetes.io.warnafter" must be a number/],
    ['a legacy flat claim that is a number', withPayload({ 'kubernetes.io/serviceaccount/namespace': 3 }), 'claim-type', /"kubernetes.io\/serviceaccount\/namespace" must be a string/],
  ];

  it.each(cases)('%s', (_name, input, problem, message) => {
    let err: unknown;
    try {
      parseToken(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TokenFormatError);
    const e = err as TokenFormatError;
    expect(e.problem).toBe(problem);
    expect(e.message).toMatch(message);
    expect(e.message).not.toMatch(/\n/);
    expect(e.message).not.toContain(signatureOf(good));
    expect(e.message).not.toContain(p);
  });

  it('an input over 64 KiB, before any other check', () => {
    const big = 'a'.repeat(MAX_TOKEN_BYTES + 1);
    expect(() => parseToken(big)).toThrow(/65537 bytes; a token is at most 64 KiB/);
    expect(() => parseToken(' '.repeat(MAX_TOKEN_BYTES) + good)).toThrow(TokenFormatError);
  });

  it('accepts a token of exactly 64 KiB of input', () => {
    const padded = good + ' '.repeat(MAX_TOKEN_BYTES - good.length);
    expect(parseToken(padded).compact).toBe(good);
  });
});

describe('parseToken on arbitrary input (fast-check)', () => {
  const segment = fc.oneof(fc.base64String(), fc.string({ unit: fc.constantFrom('A', 'e', 'y', 'J', '_', '-', '.', '=', '+', ' ') }));
  it('either parses or throws a one-line TokenFormatError that does not echo the input', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (parts) => {
        const input = parts.join('.');
        try {
          parseToken(input);
        } catch (e) {
          if (!(e instanceof TokenFormatError)) return false;
          return !e.message.includes('\n') && (input.trim().length < 12 || !e.message.includes(input.trim()));
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
