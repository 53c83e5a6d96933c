/**
 * The built launcher's fast path against its own yargs path (tests/unit/cli/fast-path.test.ts
 * checks the table in-process; this checks what dist/ ships, so a stale table cannot pass). A line
 * with one more harmless flag (`--no-color`: output is a pipe, so no colour either way) is off the
 * fast path; both must print the same bytes and exit alike.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, NODE24, ensureBundle } from '../support/bundle';
import { makeBoundToken, makeExternalToken, makeLegacyToken, signatureOf } from '../support/tokens';

beforeAll(() => ensureBundle(), 120_000);

const ENV = { PATH: '/usr/bin:/bin', HOME: '/nonexistent' };
const runBin = (args: string[]) => {
  const r = spawnSync(NODE24, [BIN, ...args], { env: ENV, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const TEXT_LINES = [['--help'], ['-h'], ['--version'], ['decode', '--help'], ['diagnose', '-h'], ['audit', '--help']];
test.each(TEXT_LINES.map((a) => [a.join(' '), a]))('%s: the baked text is what yargs prints', (_name, args) => {
  const fast = runBin(args);
  expect(fast.code).toBe(0);
  expect(fast.stdout.length).toBeGreaterThan(20);
  expect(fast).toEqual(runBin([...args, '--no-color']));
});

// Issue times half an hour off the hour: the two runs print the same "3h ago" (a token issued a
// minute ago printed "60s ago" in one run and "61s ago" in the other).
const hour = 3_600_000;
const TOKENS: Array<[string, string]> = [
  ['a valid bound token', makeBoundToken({ issuedAt: new Date(Date.now() - 3.5 * hour), expirationSeconds: 86_400 })],
  ['an expired one', makeBoundToken({ issuedAt: new Date(Date.now() - 5.5 * hour), expirationSeconds: 3600 })],
  ['a legacy Secret token', makeLegacyToken()],
  ['a token from another issuer', makeExternalToken()],
  ['garbage of the right shape', 'abc.def.ghi'],
  ['an unsigned token', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`],
];

test.each(TOKENS)('decode <%s>, as table, -o json and -o yaml: same output and exit code as through yargs', (_name, token) => {
  for (const extra of [[], ['-o', 'json'], ['-o', 'yaml']]) {
    const fast = runBin(['decode', token, ...extra]);
    const slow = runBin(['decode', token, ...extra, '--no-color']);
    // -o json/yaml count the seconds to expiry, which tick between the two runs.
    const seconds = (r: { stdout: string }) => ({ ...r, stdout: r.stdout.replace(/("?expiresInSeconds"?:\s*)-?\d+/g, '$1N') });
    expect(seconds(fast)).toEqual(seconds(slow));
    expect([0, 2, 3]).toContain(fast.code);
    const sig = token.split('.')[2];
    if (sig) expect(fast.stdout + fast.stderr).not.toContain(signatureOf(token));
  }
});

test.each([
  ['in quotes', (t: string) => `"${t}"`],
  ['after Authorization: Bearer', (t: string) => `Authorization: Bearer ${t}`],
  ['after token:', (t: string) => `token: ${t}`],
])('decode <a token %s> (the yargs path) prints what decode <the token> (the fast path) prints', (_name, wrap) => {
  const token = TOKENS[0]![1];
  for (const extra of [[], ['-o', 'yaml']]) {
    const fast = runBin(['decode', token, ...extra]);
    const slow = runBin(['decode', wrap(token), ...extra]);
    const seconds = (r: { stdout: string }) => ({ ...r, stdout: r.stdout.replace(/("?expiresInSeconds"?:\s*)-?\d+/g, '$1N') });
    expect(fast.code).toBe(0);
    expect(seconds(slow)).toEqual(seconds(fast));
  }
});

/** Runs the launcher with its stdout's reader already gone (closed before it writes). */
async function withClosedReader(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(NODE24, [BIN, ...args], { env: ENV });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stderr };
}

test.each([
  ['--help', () => ['--help']],
  ['decode TOKEN -o json', () => ['decode', makeBoundToken({ issuedAt: new Date(Date.now() - 60_000), claims: { padding: 'x'.repeat(40_000) } }), '-o', 'json']],
])('%s into a pipe the reader closed: exit 0 quietly (the fast path writes with writeSync)', async (_name, args) => {
  expect(await withClosedReader(args())).toEqual({ code: 0, stderr: '' });
});

test.each([
  ['fast path, table', []],
  ['fast path, -o json', ['-o', 'json']],
  ['yargs path, table', ['--no-color']],
  ['yargs path, -o json', ['-o', 'json', '--no-color']],
])('an expired token into a pipe the reader closed (%s): exit 3, the command\'s code, quietly', async (_name, extra) => {
  const expired = makeBoundToken({ issuedAt: new Date(Date.now() - 5.5 * hour), expirationSeconds: 3600 });
  expect(await withClosedReader(['decode', expired, ...extra])).toEqual({ code: 3, stderr: '' });
});

test.each([
  ['--help (fast path)', ['--help']],
  ['decode TOKEN (fast path)', ['decode', makeBoundToken()]],
  ['decode TOKEN --no-color (yargs path)', ['decode', makeBoundToken(), '--no-color']],
])('%s onto a full disk (/dev/full): one error line, exit 1', (_name, args) => {
  const r = spawnSync('/bin/sh', ['-c', '"$@" > /dev/full', 'sh', NODE24, BIN, ...args], { env: ENV, encoding: 'utf8' });
  expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 1, stderr: 'error: cannot write the output (ENOSPC)\n' });
});

test('in a directory that was removed: the fast path works, the yargs path says so in one line', () => {
  const inGone = (args: string[]) => {
    const gone = mkdtempSync(path.join(tmpdir(), 'satoken-gone-'));
    return spawnSync('/bin/sh', ['-c', 'cd "$1" && rmdir "$1" && shift && exec "$@"', 'sh', gone, NODE24, BIN, ...args], { env: ENV, encoding: 'utf8' });
  };
  expect(inGone(['--help']).status).toBe(0);
  const slow = inGone(['--help', '--no-color']);
  expect({ code: slow.status, stderr: slow.stderr }).toEqual({ code: 1, stderr: 'error: the current directory no longer exists (cd to one that does, and run again)\n' });
});
