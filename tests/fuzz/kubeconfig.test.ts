/**
 * Malformed kubeconfigs, named and generated: missing fields, wrong types, bad base64 CA data,
 * unknown auth providers, exec credential plugins that fail, print garbage or hang. A command
 * that needs the cluster (decode --secret) ends with exit 1 or 2 and one `error:` line that names
 * the problem, no stack trace — and a hanging plugin is bounded by --request-timeout.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { cli, type CliRun } from '../support/cli';
import { check, limit, runs } from './settings';
import { LATE_MS } from '../support/late';

const dir = mkdtempSync(path.join(tmpdir(), 'satoken-fuzz-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CA_PEM = readFileSync(path.join(__dirname, '..', 'fixtures', 'kubeconfig', 'certs', 'ca.crt'), 'utf8');
/** Nothing listens on port 1 of loopback: a well-formed kubeconfig ends in "connection refused". */
const SERVER = 'https://127.0.0.1:1';

type Config = Record<string, any>;
function baseConfig(): Config {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: SERVER, 'certificate-authority-data': Buffer.from(CA_PEM).toString('base64') } }],
    users: [{ name: 'u', user: { token: 'not-a-real-token-but-a-secret-all-the-same' } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'default' } }],
    'current-context': 'ctx',
  };
}

/** An executable script for exec credential plugins. */
function script(name: string, body: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, `#!/bin/sh\n${body}\n`);
  chmodSync(f, 0o755);
  return f;
}

let n = 0;
async function runWith(config: Config | string, timeout = '2s'): Promise<CliRun & { ms: number }> {
  const file = path.join(dir, `kubeconfig-${n++}`);
  writeFileSync(file, typeof config === 'string' ? config : stringify(config), { mode: 0o600 });
  const started = Date.now();
  const r = await cli(['decode', '--secret', 'ci-token', '--request-timeout', timeout], { kubeconfig: file });
  return { ...r, ms: Date.now() - started };
}

function oneErrorLine(r: CliRun): string {
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/this is unexpected/);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors).toHaveLength(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toContain('not-a-real-token-but-a-secret-all-the-same');
  return errors[0];
}

const execUser = (command: string, args: string[] = []) => ({
  exec: { apiVersion: 'client.authentication.k8s.io/v1', command, args, interactiveMode: 'Never' },
});

/** [case, change the base config, what the error line must say, exit code] */
const CASES: Array<[string, (c: Config) => Config | string, RegExp, 1 | 2]> = [
  ['not YAML', () => 'clusters: [\n  - {name: c', /cannot read kubeconfig .* \(/, 1],
  ['a YAML list, not a mapping', () => '- a\n- b\n', /not a YAML mapping/, 1],
  ['no clusters', (c) => ({ ...c, clusters: [] }), /no clusters|cluster "c"/, 1],
  ['clusters is a string', (c) => ({ ...c, clusters: 'c' }), /clusters is not a list/, 1],
  ['a cluster without a name', (c) => ({ ...c, clusters: [{ cluster: c.clusters[0].cluster }] }), /clusters\[0\] has no name/, 1],
  ['no server', (c) => (delete c.clusters[0].cluster.server, c), /has no server/, 1],
  ['server not a URL', (c) => ((c.clusters[0].cluster.server = 'htp:/x y'), c), /invalid server|is not https/, 1],
  ['plain http server', (c) => ((c.clusters[0].cluster.server = 'http://127.0.0.1:1'), c), /not https/, 1],
  ['CA data not base64', (c) => ((c.clusters[0].cluster['certificate-authority-data'] = '%%%not base64%%%'), c), /certificate-authority-data|certificate authority/, 1],
  ['CA data base64 of garbage', (c) => ((c.clusters[0].cluster['certificate-authority-data'] = Buffer.from('hello').toString('base64')), c), /certificate/, 1],
  ['CA file missing', (c) => (delete c.clusters[0].cluster['certificate-authority-data'], (c.clusters[0].cluster['certificate-authority'] = '/nonexistent/ca.crt'), c), /\/nonexistent\/ca\.crt/, 1],
  ['current context missing', (c) => ({ ...c, 'current-context': 'gone' }), /context "gone"/, 1],
  ['context names a missing user', (c) => ((c.contexts[0].context.user = 'ghost'), c), /user "ghost"/, 1],
  ['tokenFile missing', (c) => ((c.users[0].user = { tokenFile: '/nonexistent/token' }), c), /tokenFile \/nonexistent\/token cannot be read/, 1],
  ['client cert data not base64', (c) => ((c.users[0].user = { 'client-certificate-data': '***', 'client-key-data': '***' }), c), /client-certificate-data|client certificate/, 1],
  ['unknown auth provider', (c) => ((c.users[0].user = { 'auth-provider': { name: 'frobnicator', config: {} } }), c), /unknown auth provider "frobnicator"/, 1],
  ['gcp auth provider (removed upstream)', (c) => ((c.users[0].user = { 'auth-provider': { name: 'gcp', config: {} } }), c), /the gcp auth provider has been removed/, 1],
  ['exec without a command', (c) => ((c.users[0].user = { exec: { apiVersion: 'client.authentication.k8s.io/v1' } }), c), /^error: command must be specified for \S+ to use exec authentication plugin$/, 1],
  ['exec plugin not found', (c) => ((c.users[0].user = execUser('/nonexistent/kubectl-login')), c), /^error: getting credentials: exec: executable \/nonexistent\/kubectl-login not found$/, 1],
  ['exec plugin fails', (c) => ((c.users[0].user = execUser(script('fails.sh', 'echo "login expired, run sso login" >&2; exit 1'))), c), /^error: getting credentials: exec: executable \S*fails\.sh failed with exit code 1$/, 1],
  ['exec plugin prints garbage', (c) => ((c.users[0].user = execUser(script('garbage.sh', 'echo "this is not json"'))), c), /decoding stdout: \S*garbage\.sh printed something that is not JSON/, 1],
  ['exec plugin prints the wrong kind', (c) => ((c.users[0].user = execUser(script('wrongkind.sh', 'echo \'{"kind":"Pod","apiVersion":"v1"}\''))), c), /decoding stdout: \S*wrongkind\.sh printed a Pod of "v1", not an ExecCredential of client\.authentication\.k8s\.io\/v1/, 1],
];

describe('malformed kubeconfigs', () => {
  // The first cluster command loads client-node (seconds under load): not part of any timing below.
  beforeAll(() => runWith(baseConfig()), 30_000);

  test.each(CASES)('%s → one error line that names it', async (_name, change, says, code) => {
    const r = await runWith(change(baseConfig()));
    const line = oneErrorLine(r);
    expect(line).toMatch(says);
    expect(r.code).toBe(code);
  });

  test('an exec plugin that hangs is bounded by --request-timeout', async () => {
    const c = baseConfig();
    c.users[0].user = execUser(script('hangs.sh', 'sleep 30'));
    const r = await runWith(c, '2s');
    expect(r.ms).toBeLessThan(2000 + LATE_MS);
    expect(r.code).toBe(1);
    expect(oneErrorLine(r)).toMatch(/exec: executable \S*hangs\.sh did not finish within 2s/);
  });

  test(`${runs(40)} generated mutations: exit 1 or 2, one error line, within the timeout`, async () => {
    /** A path into the config and what to put there (undefined deletes). */
    const paths = fc.constantFrom(
      ['clusters'], ['clusters', 0], ['clusters', 0, 'name'], ['clusters', 0, 'cluster'], ['clusters', 0, 'cluster', 'server'],
      ['clusters', 0, 'cluster', 'certificate-authority-data'], ['users'], ['users', 0, 'user'], ['users', 0, 'name'], ['users', 0, 'user', 'token'],
      ['contexts'], ['contexts', 0, 'context'], ['contexts', 0, 'context', 'cluster'], ['contexts', 0, 'context', 'user'],
      ['contexts', 0, 'context', 'namespace'], ['current-context'], ['apiVersion'], ['kind'],
    );
    const values = fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 30 }), fc.constantFrom('%%', 'aGVsbG8=', 'https://', '::', '-----BEGIN CERTIFICATE-----'));
    await check(
      'kubeconfig mutations',
      fc.asyncProperty(fc.array(fc.tuple(paths, values), { minLength: 1, maxLength: 3 }), async (edits) => {
        const c = baseConfig();
        for (const [p, v] of edits) {
          let o: any = c;
          for (const k of p.slice(0, -1)) o = o?.[k as keyof typeof o];
          if (o === null || typeof o !== 'object') continue;
          if (v === undefined) delete o[p[p.length - 1]];
          else o[p[p.length - 1]] = v;
        }
        const r = await runWith(c, '2s');
        expect([1, 2]).toContain(r.code);
        oneErrorLine(r);
        expect(r.ms).toBeLessThan(2000 + LATE_MS);
      }),
      runs(40),
    );
  }, limit(60_000));
});
