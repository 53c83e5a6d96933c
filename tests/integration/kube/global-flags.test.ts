/**
 * kubectl's connection flags against the emulator, with client-go's override semantics
 * (src/kube/overrides.ts): each case runs the cli in-process and, when the real kubectl is on
 * PATH, `kubectl auth whoami` with the same flags — the two must name the same user or fail
 * with the same message. Also -v=6 / -v=8 request logging and its redaction.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { start, type Emulator } from '../../apiserver';
import { cli } from '../../support/cli';
import { findKubectl } from '../../support/kubectl';

const dir = mkdtempSync(path.join(tmpdir(), 'satoken-flags-'));
const kubectl = findKubectl();
if (!kubectl) process.stdout.write('global-flags: the kubectl comparisons are skipped (no kubectl >= 1.28 on PATH)\n');

let k: Emulator;
let saToken: string;
const files: Record<string, string> = {};
const write = (name: string, text: string) => (writeFileSync((files[name] = path.join(dir, name)), text, { mode: 0o600 }), files[name]);
beforeAll(async () => {
  k = await start({ scenarios: 'healthy' });
  const kc = parse(k.kubeconfig);
  write('ca.crt', k.caPem);
  write('admin.crt', Buffer.from(kc.users[0].user['client-certificate-data'], 'base64').toString());
  write('admin.key', Buffer.from(kc.users[0].user['client-key-data'], 'base64').toString());
  const r = await k.adminRequest('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  saToken = r.body.status.token;
  write('sa.token', `${saToken}\n`);
  const cluster = { name: 'emu', cluster: kc.clusters[0].cluster };
  const config = (user: Record<string, unknown>) =>
    stringify({ apiVersion: 'v1', kind: 'Config', clusters: [cluster], users: [{ name: 'u', user }], contexts: [{ name: 'emu', context: { cluster: 'emu', user: 'u' } }], 'current-context': 'emu' });
  write('tokenfile.config', config({ tokenFile: files['sa.token'] }));
  write('nouser.config', config({}));
  write('admin.config', k.kubeconfig);
}, 60_000);
afterAll(() => k?.stop());

const EMPTY_ENV = { KUBECONFIG: '', HOME: '/nonexistent' };

function kubectlWhoami(args: string[], kubeconfig: string | undefined) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      kubectl!,
      ['auth', 'whoami', '-o', 'json', ...args],
      { env: { ...process.env, ...EMPTY_ENV, ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}) }, timeout: 30_000, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) || 1 : 0, stdout, stderr }),
    ),
  );
}

/** [what, kubeconfig file name or none, flags, the user both must name]. */
const agree: Array<[string, string | undefined, (f: typeof files) => string[], string]> = [
  ['-s, --token and --certificate-authority without a kubeconfig', undefined, (f) => ['-s', k.url, '--token', saToken, '--certificate-authority', f['ca.crt']], 'system:serviceaccount:default:default'],
  ['--server with --insecure-skip-tls-verify and --token', undefined, () => ['--server', k.url, '--insecure-skip-tls-verify', '--token', saToken], 'system:serviceaccount:default:default'],
  ['--client-certificate and --client-key on a kubeconfig without a user credential', 'nouser.config', (f) => ['--client-certificate', f['admin.crt'], '--client-key', f['admin.key']], 'kubernetes-admin'],
  // Both are sent; the API server's x509 authenticator answers first — kubectl's behaviour too.
  ['--token on a client-certificate kubeconfig', 'admin.config', () => ['--token', saToken], 'kubernetes-admin'],
  ['a tokenFile user', 'tokenfile.config', () => [], 'system:serviceaccount:default:default'],
  ['--tls-server-name that the serving certificate names', 'admin.config', () => ['--tls-server-name', 'kubernetes.default.svc'], 'kubernetes-admin'],
  ['--as with --as-uid and --as-group', 'admin.config', () => ['--as', 'jane', '--as-uid', '1234', '--as-group', 'dev'], 'jane'],
  ['--cache-dir is accepted', 'admin.config', () => ['--cache-dir', path.join(dir, 'cache')], 'kubernetes-admin'],
];

describe('the plugin and kubectl auth whoami agree', () => {
  it.each(agree)('%s', async (_what, file, args, user) => {
    const kc = file ? files[file] : undefined;
    const r = await cli(['whoami', '-o', 'json', ...args(files)], { env: { ...EMPTY_ENV, ...(kc ? { KUBECONFIG: kc } : {}) } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const mine = JSON.parse(r.stdout).user;
    expect(mine.username).toBe(user);
    if (kubectl) {
      const theirs = await kubectlWhoami(args(files), kc);
      expect(theirs.stderr).toBe('');
      const t = JSON.parse(theirs.stdout).status.userInfo;
      expect(mine).toEqual({ username: t.username, ...(t.uid ? { uid: t.uid } : {}), groups: t.groups ?? [], extra: t.extra ?? {} });
    }
  });
});

describe('whoami names the credential the API server authenticated', () => {
  it.each([
    ['--token on a client-certificate kubeconfig: the certificate, which kube-apiserver tries first', 'admin.config', () => ['--token', saToken], { kind: 'client-certificate', unused: 'token' }, 'client-certificate; the token sent too was not used'],
    ['--token on a kubeconfig without a credential: the token', 'nouser.config', () => ['--token', saToken], { kind: 'token' }, 'token'],
    ['a client-certificate kubeconfig: the certificate', 'admin.config', () => [], { kind: 'client-certificate' }, 'client-certificate'],
  ])('%s', async (_what, file, args, credential, row) => {
    const json = await cli(['whoami', '-o', 'json', ...args()], { kubeconfig: files[file] });
    expect(json.code).toBe(0);
    const c = JSON.parse(json.stdout).credential;
    expect(c).toMatchObject(credential);
    if (!('unused' in credential)) expect(c.unused).toBeUndefined();
    const wide = await cli(['whoami', '-o', 'wide', ...args()], { kubeconfig: files[file] });
    expect(wide.stdout).toMatch(new RegExp(`^Credential +${row.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  });
});

it("a token given to test-auth is the token under test, not the connection's credential (--token is)", async () => {
  const before = k.requests.length;
  // A kubeconfig user with no credential: the review must go out anonymously, not as the token.
  await cli(['test-auth', saToken, '-o', 'json'], { kubeconfig: files['nouser.config'] });
  const review = k.requests.slice(before).find((q) => q.method === 'POST' && q.path.startsWith('/apis/authentication.k8s.io/v1/tokenreviews'));
  expect(review?.user).toBe('system:anonymous');
});

describe('refused as kubectl refuses', () => {
  const refused: Array<[string, string | undefined, (f: typeof files) => string[], string, number]> = [
    ['--insecure-skip-tls-verify with --certificate-authority', 'admin.config', (f) => ['--insecure-skip-tls-verify', '--certificate-authority', f['ca.crt']], 'specifying a root certificates file with the insecure flag is not allowed', 2],
    ['--as-uid without --as', 'admin.config', () => ['--as-uid', '1234'], 'requesting uid, groups or user-extra for kubernetes-admin without impersonating a user', 2],
    ['--tls-server-name the certificate does not name', 'admin.config', () => ['--tls-server-name', 'elsewhere.example'], 'elsewhere.example', 1],
  ];
  it.each(refused)('%s', async (_what, file, args, message, code) => {
    const r = await cli(['whoami', ...args(files)], { env: { ...EMPTY_ENV, ...(file ? { KUBECONFIG: files[file] } : {}) } });
    expect(r.stderr.split('\n')[0]).toContain(message);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: /);
    expect(r.code).toBe(code);
    if (kubectl) expect((await kubectlWhoami(args(files), file ? files[file] : undefined)).stderr).toContain(message);
  });

  it('no kubeconfig and no --server: the configuration error, with the flag in its hint', async () => {
    const r = await cli(['whoami'], { env: EMPTY_ENV });
    expect(r.stderr).toMatch(/^error: no configuration has been provided .*\nhint: .*--server/);
    expect(r.code).toBe(1);
  });

  it('-v must be a level', async () => {
    const r = await cli(['whoami', '-v=loud'], { env: { KUBECONFIG: files['admin.config'] } });
    expect(r.stderr).toMatch(/^error: invalid argument "\S*" for "-v, --v" flag/);
    expect(r.code).toBe(2);
    const bare = await cli(['whoami', '-v'], { env: { KUBECONFIG: files['admin.config'] } });
    expect(bare.stderr).toMatch(/^error: flag needs an argument: 'v' in -v\n/);
    expect(bare.code).toBe(2);
  });
});

describe('-v=N', () => {
  it("-v=6: one kubectl line per request on stderr, and nothing else", async () => {
    const r = await cli(['whoami', '-v=6'], { kubeconfig: files['admin.config'] });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^POST ${k.url}/apis/authentication.k8s.io/v1/selfsubjectreviews 201 Created in \\d+ milliseconds\\n$`));
  });

  it('-v=7: request headers with the Authorization masked, and the response status', async () => {
    const r = await cli(['whoami', '--v', '7', '--token', saToken], { kubeconfig: files['nouser.config'] });
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe(`POST ${k.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`);
    expect(lines[1]).toBe('Request Headers:');
    expect(lines).toContain('    Authorization: Bearer <masked>');
    expect(lines.some((l) => /^Response Status: 201 Created in \d+ milliseconds$/.test(l))).toBe(true);
    expect(r.stderr).not.toContain('Response Body');
    expect(r.stderr).not.toContain(saToken.split('.')[2]);
  });

  it('-v=8: bodies, with the tokens of TokenRequest and TokenReview masked (Secrets: tests/unit/kube/verbose-overrides.test.ts)', async () => {
    const r = await cli(['test-auth', '--mint', 'default', '-n', 'default', '-v=8', '-o', 'json'], { kubeconfig: files['admin.config'] });
    expect(r.code).toBe(3);
    const bodies = r.stderr.split('\n').filter((l) => l.startsWith('Response Body: ') || l.startsWith('Request Body: '));
    const tokenRequest = bodies.find((l) => l.includes('"kind":"TokenRequest"') && l.startsWith('Response Body: '));
    expect(tokenRequest).toContain('"token":"<masked>"');
    const review = bodies.find((l) => l.startsWith('Request Body: ') && l.includes('"kind":"TokenReview"'));
    expect(review).toContain('"token":"<masked>"');
    expect(r.stderr).toMatch(/^Response Headers:$/m);
    expect(r.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{8,}/);
  });
});
