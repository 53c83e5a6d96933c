/**
 * decode as a user runs it: the built bundle dist/kubectl-satoken, spawned with the project's
 * Node 24 (node_modules/.bin/node). The bundle is (re)built once when missing or older than src/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KEYS, jwksOf, makeBoundToken, makeExternalToken, makeLegacyToken, signatureOf } from '../support/tokens';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'dist', 'kubectl-satoken');
const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let dir: string;
beforeAll(() => {
  if (!existsSync(BIN) || statSync(BIN).mtimeMs < newestMtime(path.join(ROOT, 'src'))) {
    execFileSync(NODE, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  }
  dir = mkdtempSync(path.join(tmpdir(), 'satoken-decode-e2e-'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `kubectl-satoken ARGS` with stdin `input`; no kubeconfig around, no colour. */
function satoken(args: string[], input = '') {
  const r = spawnSync(NODE, [BIN, ...args], {
    input,
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: path.dirname(NODE), HOME: dir, KUBECONFIG: path.join(dir, 'no-kubeconfig') },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const now = Date.now();
const fresh = makeBoundToken({ issuedAt: new Date(now - 19 * 60_000) });
const expired = makeBoundToken({ issuedAt: new Date(now - 4 * 3600_000) });

describe('kubectl-satoken decode (built bundle)', () => {
  it('--help shows usage, every source flag and examples', () => {
    const r = satoken(['decode', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubectl satoken decode [token]');
    for (const flag of ['--filename', '--pod', '--container', '--path', '--secret', '--verify', '--jwks', '--audience', '--issuer', '--show-token']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('kubectl create token app | kubectl satoken decode -');
  });

  it('from an argument: the table, exit 0, no signature', () => {
    const r = satoken(['decode', fresh]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Source: +argument$/m);
    expect(r.stdout).toMatch(/^ {2}ServiceAccount: +app \(uid /m);
    expect(r.stdout).toMatch(/Expires at: +\S+Z \(expires in 4[01]m\)/);
    expect(r.stdout).toContain('Findings:  none');
    expect(r.stdout + r.stderr).not.toContain(signatureOf(fresh));
  });

  it('from a file: an expired token exits 3 with the finding and its fix', () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, `${expired}\n`);
    const r = satoken(['decode', '-f', file]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/ERROR +token-expired\n +expired 3h ago/);
    expect(r.stdout).toContain('fix: ');
    expect(r.stdout).not.toContain(signatureOf(expired));
  });

  it('from stdin with a Bearer prefix, as JSON', () => {
    const r = satoken(['decode', '-', '-o', 'json'], `Bearer ${makeLegacyToken()}\n`);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ kind: 'TokenInspection', source: 'stdin', token: { type: 'legacy', expiresAt: null } });
    expect(j.findings.map((f: { id: string }) => f.id)).toEqual(['token-legacy']);
  });

  it('-f - reads stdin too; -o yaml', () => {
    const t = makeExternalToken({ issuedAt: new Date(now - 60_000) });
    const r = satoken(['decode', '-f', '-', '-o', 'yaml'], t);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kind: TokenInspection$/m);
    expect(r.stdout).toMatch(/^ {2}type: external$/m);
    expect(r.stdout).not.toContain(signatureOf(t));
  });

  it('--jwks FILE verifies the signature without a cluster', () => {
    const file = path.join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify(jwksOf(KEYS.rsa)));
    const r = satoken(['decode', fresh, '--jwks', file, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verification).toMatchObject({ status: 'verified', kid: KEYS.rsa.kid });
  });

  it('--show-token prints the whole token, on request only', () => {
    const r = satoken(['decode', fresh, '--show-token']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(fresh);
  });

  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  const [h, p, s] = fresh.split('.');
  it.each<[string, string[], string]>([
    ['an empty argument and nothing piped', ['decode', ''], 'the input is empty'],
    ['empty stdin', ['decode', '-'], 'the input is empty'],
    ['two segments', ['decode', `${h}.${p}`], '3 dot-separated segments'],
    ['four segments', ['decode', `${fresh}.x`], 'this has 4'],
    ['bad base64url', ['decode', `${h}.${p.slice(0, 8)}+${p.slice(9)}.${s}`], 'not base64url'],
    ['a header that is not JSON', ['decode', `${b64('{"alg"')}.${p}.${s}`], 'the header is not valid JSON'],
    ['a payload that is not an object', ['decode', `${h}.${b64('[1]')}.${s}`], 'the payload is JSON but not an object'],
    ['exp a string', ['decode', makeBoundToken({ claims: { exp: 'tomorrow' } })], 'the claim "exp" must be a number'],
    ['aud a number', ['decode', makeBoundToken({ claims: { aud: 7 } })], 'the claim "aud" must be a string or an array of strings'],
    ['no source at all', ['decode'], 'no token given'],
    ['two sources', ['decode', fresh, '--secret', 'x'], 'give exactly one token source'],
    ['an unknown flag', ['decode', fresh, '--nope'], 'nope'],
  ])('%s → exit 2 and one error line', (_n, args, message) => {
    const r = satoken(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toContain(message);
    expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
    expect(r.stderr).not.toContain(s);
  });

  it('an input over 64 KiB → exit 2', () => {
    const r = satoken(['decode', '-'], 'a'.repeat(70_000));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: cannot decode the token from stdin (the input is 70000 bytes; a token is at most 64 KiB)\n');
  });
});
