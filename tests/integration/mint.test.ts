/**
 * mint against the emulator, through the cli: the TokenRequest it sends (seen in the token the
 * server signed and in the request log), what it prints, what it tells on stderr, and how each
 * failure is explained.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { mintCommand } from '../../src/cli/commands/mint';
import { testAuthCommand } from '../../src/cli/commands/test-auth';
import { cli } from '../support/cli';

let k: Emulator;
let dir: string;
const NS = 'shop';
const ADMIN = 'kubernetes-admin';
/** Only mint and test-auth are wired, so another command's work in progress cannot break these tests. */
const WIRED = [mintCommand, testAuthCommand];

async function admin(method: string, p: string, body?: unknown) {
  const r = await k.adminRequest(method, p, body);
  if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const since = (mark: number) => k.requests.slice(mark).map((r) => `${r.method} ${r.path} ${r.user || '-'} ${r.status}`);
const run = (args: string[], opts: { stdoutIsTTY?: boolean; kubeconfig?: string } = {}) =>
  cli(['mint', ...args, '-n', NS], { kubeconfig: opts.kubeconfig ?? k.kubeconfigPath, stdoutIsTTY: opts.stdoutIsTTY, commands: WIRED });
const TOKEN_PATH = (sa: string) => `POST /api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`;

let podUid = '';
beforeAll(async () => {
  k = await start({ maxTokenExpirationSeconds: 86400 });
  dir = mkdtempSync(path.join(tmpdir(), 'mint-'));
  await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  for (const name of ['app', 'other']) await admin('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
  const pod = await admin('POST', `/api/v1/namespaces/${NS}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0' },
    spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: 'busybox' }] },
  });
  podUid = (pod as { metadata: { uid: string } }).metadata.uid;
});
afterAll(async () => {
  await k.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('mint against the emulator', () => {
  test('the bare token, no newline when piped (a newline on a terminal), server defaults, one request', async () => {
    const mark = k.requests.length;
    const piped = await run(['app']);
    expect(piped).toMatchObject({ code: 0, stderr: '' });
    expect(piped.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(since(mark)).toEqual([`${TOKEN_PATH('app')} ${ADMIN} 201`]);
    const c = claims(piped.stdout);
    expect(c).toMatchObject({ sub: `system:serviceaccount:${NS}:app`, aud: ['https://kubernetes.default.svc.cluster.local'] });
    expect(c.exp - c.iat).toBe(3600);
    expect((await run(['app'], { stdoutIsTTY: true })).stdout).toMatch(/^eyJ\S+\n$/);
  });

  test('--duration, --audience (repeatable) and a pod binding reach the server', async () => {
    const r = await run(['app', '--duration', '2h', '--audience', 'https://kubernetes.default.svc.cluster.local', '--audience', 'vault', '--bound-object-kind', 'Pod', '--bound-object-name', 'web-0']);
    expect(r).toMatchObject({ code: 0, stderr: '' }); // one API audience among them: the token can call the API, nothing to say
    const c = claims(r.stdout);
    expect(c.exp - c.iat).toBe(7200);
    expect(c.aud).toEqual(['https://kubernetes.default.svc.cluster.local', 'vault']);
    expect(c['kubernetes.io'].pod).toEqual({ name: 'web-0', uid: podUid });
  });

  test('an audience the API server does not serve: said plainly, proven with the token\'s own SelfSubjectReview', async () => {
    const mark = k.requests.length;
    const r = await run(['app', '--audience', 'vault']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('warning: the API server does not accept the audience "vault": this token cannot call the Kubernetes API (right for a token meant for another service such as Vault; leave out --audience for one that can)\n');
    expect(since(mark)).toEqual([`${TOKEN_PATH('app')} ${ADMIN} 201`, 'POST /apis/authentication.k8s.io/v1/selfsubjectreviews - 401']);
  });

  test('the server shortens a long duration (--service-account-max-token-expiration): its warning is passed on', async () => {
    const r = await run(['app', '--duration', '48h']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: the API server says: .*172800.*86400/m);
    const c = claims(r.stdout);
    expect(c.exp - c.iat).toBe(86400);
  });

  test('extended expiration (a pod-bound 3607 s token): warnafter told on stderr', async () => {
    const r = await run(['app', '--duration', '3607s', '--bound-object-kind', 'Pod', '--bound-object-name', 'web-0']);
    expect(r.code).toBe(0);
    const c = claims(r.stdout);
    expect(c['kubernetes.io'].warnafter - c.iat).toBe(3607);
    expect(r.stderr).toMatch(/^warning: the token has extended expiration: it stays valid until \S+, but after \S+ \(warnafter\) the API server audits every use as a stale token$/m);
  });

  test('-o json: the TokenRequest object as the API returned it', async () => {
    const r = await run(['app', '-o', 'json']);
    expect(r.code).toBe(0);
    const tr = JSON.parse(r.stdout);
    expect(tr).toMatchObject({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', status: { token: expect.stringMatching(/^eyJ/) } });
    expect(tr.status.expirationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('--decode -o json: the TokenInspection of the new token, without the token', async () => {
    const r = await run(['app', '--decode', '-o', 'json']);
    expect(r.code).toBe(0);
    const ins = JSON.parse(r.stdout);
    expect(ins).toMatchObject({ kind: 'TokenInspection', token: { type: 'bound', namespace: NS, serviceAccount: { name: 'app' }, expiresInSeconds: expect.any(Number) }, findings: [] });
    expect(ins.rawToken).toBeUndefined();
  });

  test('-o kubeconfig --output-file: mode 0600, never overwritten without --force, and no token minted in vain', async () => {
    const file = path.join(dir, 'app.kubeconfig');
    const first = await run(['app', '-o', 'kubeconfig', '--output-file', file]);
    expect(first).toEqual({ code: 0, stdout: '', stderr: `info: wrote a kubeconfig to ${file} (mode 0600)\n` });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(k.url);
    expect(text).toMatch(/token: eyJ/);

    const mark = k.requests.length;
    const again = await run(['app', '-o', 'kubeconfig', '--output-file', file]);
    expect(again).toMatchObject({ code: 1, stdout: '', stderr: `error: ${file} already exists (mint never overwrites a file)\nhint: add --force to replace it\n` });
    expect(since(mark)).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(text);

    const forced = await run(['app', '--output-file', file, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test.each<[string, string[], () => Promise<void>, number, RegExp, RegExp | null]>([
    ['the ServiceAccount is missing', ['ghost'], async () => {}, 404, /^error: failed to create token: serviceaccounts "ghost" not found$/m, /^hint: kubectl create serviceaccount ghost -n shop$/m],
    ['the caller may not create tokens (403)', ['app', '--as', 'jane'], async () => {}, 403, /^error: failed to create token: .*forbidden.*serviceaccounts\/token/m, /^hint: creating a token needs "create" on "serviceaccounts\/token" in namespace shop; check with: kubectl auth can-i create serviceaccounts\/token -n shop$/m],
    ['the bound pod runs as another ServiceAccount', ['other', '--bound-object-kind', 'Pod', '--bound-object-name', 'web-0'], async () => {}, 400, /^error: failed to create token: cannot bind token for serviceaccount "other" to pod running with different serviceaccount name\.$/m, /^hint: a token bound to pod "web-0" must be for the ServiceAccount that pod runs as/m],
    ['the bound object\'s uid does not match (409)', ['app', '--bound-object-kind', 'Pod', '--bound-object-name', 'web-0', '--bound-object-uid', '00000000-0000-4000-8000-000000000000'], async () => {}, 409, /^error: failed to create token: .*UID/m, /^hint: --bound-object-uid 00000000-0000-4000-8000-000000000000 is not the uid of Pod "web-0" \(was it recreated\?\)/m],
    ['the bound pod does not exist', ['app', '--bound-object-kind', 'Pod', '--bound-object-name', 'nope'], async () => {}, 404, /^error: failed to create token: pods "nope" not found$/m, /^hint: check that Pod "nope" exists in namespace shop$/m],
  ])('%s → exit 1, explained', async (_name, args, setup, status, error, hint) => {
    await setup();
    const mark = k.requests.length;
    const r = await run(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(error);
    if (hint) expect(r.stderr).toMatch(hint);
    expect(since(mark)).toEqual([expect.stringMatching(new RegExp(`^${TOKEN_PATH(args[0])} (${ADMIN}|jane) ${status}$`))]);
  });

  test.each<[string[], RegExp]>([
    [['app', '--duration', '5m'], /may not specify a duration less than 10 minutes/],
    [['app', '--bound-object-name', 'web-0'], /--bound-object-name can only be set if --bound-object-kind is provided/],
    [['app', '--bound-object-kind', 'Deployment', '--bound-object-name', 'x'], /supported --bound-object-kind values are Node, Pod, Secret/],
  ])('%p is refused before any request (exit 2)', async (args, message) => {
    const mark = k.requests.length;
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(since(mark)).toEqual([]);
  });
});
