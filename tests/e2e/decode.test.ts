/**
 * decode as a user runs it: the built bundle dist/kubectl-satoken, spawned with the project's
 * Node 24 (node_modules/.bin/node). The bundle is (re)built once when missing or older than src/.
 * Spawning Node dominates this file's time, so every run is started in beforeAll, a few at a time,
 * and each test asserts on its own run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, ensureBundle, NODE24 as NODE } from '../support/bundle';
import { KEYS, jwksOf, makeBoundToken, makeExternalToken, makeLegacyToken, signatureOf } from '../support/tokens';

const dir = mkdtempSync(path.join(tmpdir(), 'satoken-decode-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kubectl-satoken ARGS` with stdin `input`; no kubeconfig around, no colour. */
function satoken(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BIN, ...args], {
      env: { PATH: path.dirname(NODE), HOME: dir, KUBECONFIG: path.join(dir, 'no-kubeconfig') },
      timeout: 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {}); // the bundle may exit before it reads all of stdin
    child.stdin.end(input);
  });
}

const planned = new Map<string, { args: string[]; input?: string }>();
const runs = new Map<string, Run>();
/** Registers a run for beforeAll; the returned function gives its result inside a test. */
function plan(name: string, args: string[], input?: string): () => Run {
  planned.set(name, { args, input });
  return () => runs.get(name)!;
}

beforeAll(async () => {
  ensureBundle();
  const queue = [...planned.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) runs.set(next[0], await satoken(next[1].args, next[1].input));
  };
  await Promise.all([worker(), worker(), worker()]);
}, 120_000);

const now = Date.now();
const fresh = makeBoundToken({ issuedAt: new Date(now - 19 * 60_000) });
const expired = makeBoundToken({ issuedAt: new Date(now - 4 * 3600_000) });
const external = makeExternalToken({ issuedAt: new Date(now - 60_000) });
const tokenFile = path.join(dir, 'token');
writeFileSync(tokenFile, `${expired}\n`);
const jwksFile = path.join(dir, 'jwks.json');
writeFileSync(jwksFile, JSON.stringify(jwksOf(KEYS.rsa)));

describe('kubectl-satoken decode (built bundle)', () => {
  const help = plan('help', ['decode', '--help']);
  it('--help shows usage, every source flag and examples', () => {
    const r = help();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubectl satoken decode [TOKEN]');
    for (const flag of ['--filename', '--pod', '--container', '--path', '--secret', '--verify', '--jwks', '--audience', '--issuer', '--show-token']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('kubectl create token app | kubectl satoken decode -');
  });

  const argument = plan('argument', ['decode', fresh]);
  it('from an argument: the table, exit 0, no signature', () => {
    const r = argument();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Source: +argument$/m);
    expect(r.stdout).toMatch(/^ {2}ServiceAccount: +app \(uid /m);
    expect(r.stdout).toMatch(/Expires at: +\S+Z \(expires in 4[01]m\)/);
    expect(r.stdout).toContain('Findings:  none');
    expect(r.stdout + r.stderr).not.toContain(signatureOf(fresh));
  });

  const file = plan('file', ['decode', '-f', tokenFile]);
  it('from a file: an expired token exits 3 with the finding and its fix', () => {
    const r = file();
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/ERROR +token-expired\n +expired 3h ago/);
    expect(r.stdout).toContain('fix: ');
    expect(r.stdout).not.toContain(signatureOf(expired));
  });

  const stdin = plan('stdin', ['decode', '-', '-o', 'json'], `Bearer ${makeLegacyToken()}\n`);
  it('from stdin with a Bearer prefix, as JSON', () => {
    const r = stdin();
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ kind: 'TokenInspection', source: 'stdin', token: { type: 'legacy', expiresAt: null } });
    expect(j.findings.map((f: { id: string }) => f.id)).toEqual(['token-legacy']);
  });

  const dashF = plan('-f -', ['decode', '-f', '-', '-o', 'yaml'], external);
  it('-f - reads stdin too; -o yaml', () => {
    const r = dashF();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kind: TokenInspection$/m);
    expect(r.stdout).toMatch(/^ {2}type: external$/m);
    expect(r.stdout).not.toContain(signatureOf(external));
  });

  const jwks = plan('jwks', ['decode', fresh, '--jwks', jwksFile, '-o', 'json']);
  it('--jwks FILE verifies the signature without a cluster', () => {
    const r = jwks();
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verification).toMatchObject({ status: 'verified', kid: KEYS.rsa.kid });
  });

  const show = plan('show', ['decode', fresh, '--show-token']);
  it('--show-token prints the whole token, on request only', () => {
    const r = show();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(fresh);
  });

  // Tokens as people paste them: each decodes as the bare token does, from an argument, -f and stdin.
  const pastedFile = path.join(dir, 'pasted.json');
  writeFileSync(pastedFile, `  "token": "${fresh}",\n`);
  const pasted: Array<[string, string[], string?]> = [
    ['in double quotes (copied from JSON)', ['decode', `"${fresh}"`, '-o', 'json']],
    ['in single quotes', ['decode', `'${fresh}'`, '-o', 'json']],
    ['after "Authorization: Bearer "', ['decode', `Authorization: Bearer ${fresh}`, '-o', 'json']],
    ['after "authorization: bearer " (any case)', ['decode', `authorization: bearer ${fresh}`, '-o', 'json']],
    ['after "token: " (a kubeconfig line)', ['decode', `token: ${fresh}`, '-o', 'json']],
    ['with JSON escapes (\\u002e, \\u002E) in quotes', ['decode', `"${fresh.replace('.', '\\u002e').replace(/\.(?=[^.]*$)/, '\\u002E')}"`, '-o', 'json']],
    ['a JSON member from -f', ['decode', '-f', pastedFile, '-o', 'json']],
    ['a quoted token on stdin', ['decode', '-', '-o', 'json'], `"${fresh}"\n`],
    ['Authorization: Bearer on stdin', ['decode', '-', '-o', 'json'], `Authorization: Bearer ${fresh}\n`],
  ];
  const bare = plan('bare -o json', ['decode', fresh, '-o', 'json']);
  const pastedRuns = pasted.map(([name, args, input]) => plan(`pasted: ${name}`, args, input));
  it.each(pasted.map((x, i) => [x[0], i] as const))('a token %s decodes as the bare token', (_n, i) => {
    const r = pastedRuns[i]();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(bare().code);
    // The seconds to expiry tick between two runs.
    const json = (text: string) => JSON.parse(text.replace(/("expiresInSeconds":\s*)-?\d+/g, '$1 0'));
    const { source: _a, ...want } = json(bare().stdout);
    const { source: _b, ...got } = json(r.stdout);
    expect(got).toEqual(want);
  });

  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  const [h, p, s] = fresh.split('.');
  const malformed: Array<[string, string[], string, string?]> = [
    ['an empty argument and nothing piped', ['decode', ''], 'the input is empty'],
    ['empty stdin', ['decode', '-'], 'the input is empty'],
    ['two segments', ['decode', `${h}.${p}`], '3 dot-separated segments'],
    ['four segments', ['decode', `${fresh}.x`], 'this has 4'],
    ['bad base64url', ['decode', `${h}.${p.slice(0, 8)}+${p.slice(9)}.${s}`], 'not base64url'],
    ['a header that is not JSON', ['decode', `${b64('{"alg"')}.${p}.${s}`], 'the header is not valid JSON'],
    ['a payload that is not an object', ['decode', `${h}.${b64('[1]')}.${s}`], 'the payload is JSON but not an object'],
    ['exp a string', ['decode', makeBoundToken({ claims: { exp: 'tomorrow' } })], 'the claim "exp" must be a number'],
    ['aud a number', ['decode', makeBoundToken({ claims: { aud: 7 } })], 'the claim "aud" must be a string or an array of strings'],
    ['an input over 64 KiB', ['decode', '-'], 'the input is 70000 bytes; a token is at most 64 KiB', 'a'.repeat(70_000)],
    ['no source at all', ['decode'], 'no token given'],
    ['two sources', ['decode', fresh, '--secret', 'x'], 'give exactly one token source'],
    ['an unknown flag', ['decode', fresh, '--nope'], 'nope'],
    ['a quote without its partner', ['decode', `"${fresh}`], 'a quote without its partner at offset 0 (expected: a JWT'],
    ['a name and a token', ['decode', `TOKEN ${fresh}`], 'the token contains whitespace: 2 pieces where a JWT is one unbroken line (expected: a JWT'],
  ];
  const bad = malformed.map(([name, args, , input]) => plan(name, args, input));
  it.each(malformed.map((m, i) => [m[0], m[2], i] as const))('%s → exit 2 and one error line', (_n, message, i) => {
    const r = bad[i]();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toContain(message);
    expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
    expect(r.stderr).not.toContain(s);
  });
});
