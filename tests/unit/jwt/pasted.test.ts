import { unwrapPasted } from '../../../src/jwt/pasted';
import { parseToken, TokenFormatError } from '../../../src/jwt';
import { makeBoundToken, signatureOf } from '../../support/tokens';

const t = makeBoundToken();

describe('unwrapPasted: what pasting brings along comes off', () => {
  it.each([
    ['bare', t],
    ['double quotes', `"${t}"`],
    ['single quotes', `'${t}'`],
    ['Bearer', `Bearer ${t}`],
    ['Authorization: Bearer', `Authorization: Bearer ${t}`],
    ['AUTHORIZATION:bearer, any case, no space after the colon', `AUTHORIZATION:bearer ${t}`],
    ['token: (YAML, kubeconfig)', `token: ${t}`],
    ['Token:no space', `Token:${t}`],
    ['a JSON member with its comma', `"token": "${t}",`],
    ['a quoted Bearer value', `"Bearer ${t}"`],
    ['JSON escapes in quotes', `"${t.replace(/\./g, '\\u002e')}"`],
    ['JSON escapes without quotes', t.replace('.', '\\u002E')],
    ['surrounding whitespace and newlines', `\n  "${t}"  \n`],
  ])('%s', (_name, input) => {
    expect(unwrapPasted(input)).toBe(t);
    expect(parseToken(input).compact).toBe(t);
  });

  it('\\/ is a JSON escape for /', () => {
    expect(unwrapPasted('"a\\/b"')).toBe('a/b');
  });

  it('leaves what it does not recognise for the parser to refuse', () => {
    expect(unwrapPasted(`"${t}`)).toBe(`"${t}`);
    expect(unwrapPasted(`x-token: ${t}`)).toBe(`x-token: ${t}`);
    expect(unwrapPasted('"bad \\q escape"')).toBe('bad \\q escape');
  });
});

describe('refusals name what was seen in general terms and what is expected, never the token', () => {
  it.each([
    ['an opening quote only', `"${t}`, /header segment is not base64url: a quote without its partner at offset 0 \(expected: a JWT, three base64url segments/],
    ['a closing quote only', `${t}"`, /signature segment is not base64url: a quote without its partner/],
    ['an unknown header name', `X-Auth: ${t}`, /contains whitespace: 2 pieces where a JWT is one unbroken line \(expected: .*"Bearer " or "token: ", or as a quoted JSON string\)/],
    ['a JSON object', `{"token":"${t}"}`, /"\{" \(part of the text around a token\?\) at offset 0/],
    ['a bad escape', `"${t.slice(0, 10)}\\q${t.slice(10)}"`, /a backslash \(a JSON escape that is not one\)/],
    ['a non-ASCII character', `${t.slice(0, 10)}é${t.slice(10)}`, /a non-ASCII character at offset 10/],
    ['a control character', `${t.slice(0, 10)}\u0007${t.slice(10)}`, /a control character at offset 10/],
  ])('%s', (_name, input, message) => {
    let err: unknown;
    try {
      parseToken(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TokenFormatError);
    const m = (err as Error).message;
    expect(m).toMatch(message);
    expect(m).not.toMatch(/\n/);
    expect(m).not.toContain(signatureOf(t));
    expect(m).not.toContain(t.split('.')[1]!.slice(0, 20));
  });
});
