/** src/output/terminal-safe.ts: untrusted text reaches a terminal escaped, never as control codes. */
import { cli } from '../../support/cli';
import { signJwt } from '../../support/tokens';
import { terminalSafe, terminalSafeDeep, unescapeTerminal } from '../../../src/output/terminal-safe';

test('escapes ESC, other C0/C1 controls, DEL and bidi overrides; keeps other Unicode', () => {
  expect(terminalSafe('a\u001b]0;pwned\u0007b')).toBe('a\\u001b]0;pwned\\u0007b');
  expect(terminalSafe('\u202eevil\u2066x\u2069')).toBe('\\u202eevil\\u2066x\\u2069');
  expect(terminalSafe('\u0000\u007f\u009b')).toBe('\\u0000\\u007f\\u009b');
  expect(terminalSafe('2 — é 日本')).toBe('2 — é 日本');
});

test('a value never starts a line: newline, CR and tab are shown escaped', () => {
  expect(terminalSafe('ok\n\nStatus:      healthy\r\tx')).toBe('ok\\n\\nStatus:      healthy\\r\\tx');
});

test('text without a control is printed exactly (a quoted command pastes as printed); one with a control reads back exactly', () => {
  expect(terminalSafe("kubectl x --path 'C:\\new\\u001b'")).toBe("kubectl x --path 'C:\\new\\u001b'");
  expect(terminalSafe('C:\\new\u001b')).toBe('C:\\\\new\\u001b');
  expect(unescapeTerminal(terminalSafe('C:\\new\u001b'))).toBe('C:\\new\u001b');
});

test('copies only what needs escaping: a clean result is returned as it is', () => {
  const clean = { kind: 'X', items: [{ a: 'b' }, { c: ['d'] }] };
  expect(terminalSafeDeep(clean)).toBe(clean);
  const dirty = { kind: 'X', items: [{ a: 'b' }, { c: ['d\u001b'] }], ['k\u202e']: 1 };
  const safe = terminalSafeDeep(dirty);
  expect(safe).toEqual({ kind: 'X', items: [{ a: 'b' }, { c: ['d\\u001b'] }], ['k\\u202e']: 1 });
  expect(safe.items[0]).toBe(dirty.items[0]!);
  expect((dirty.items[1] as { c: string[] }).c[0]).toBe('d\u001b'); // the input is left alone
});

test('decode: a claim carrying terminal escapes prints escaped in the table (JSON escapes it itself)', async () => {
  const now = Math.floor(Date.now() / 1000);
  const token = signJwt({ iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:ns:\u001b[2Japp\u202e', aud: ['x'], iat: now, exp: now + 3600 });
  const table = await cli(['decode', token]);
  expect(table.stdout).not.toMatch(/[\u001b\u202e]/);
  expect(table.stdout).toContain('\\u001b[2Japp\\u202e');
  const json = await cli(['decode', token, '-o', 'json']);
  expect(json.stdout).not.toMatch(/[\u001b]/);
  expect(json.stdout).toContain('\\u001b[2Japp');
});
