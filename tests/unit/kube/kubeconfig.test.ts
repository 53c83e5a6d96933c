/**
 * Kubeconfig loading as kubectl does it, from fixture files (tests/fixtures/kubeconfig/),
 * including broken ones: every failure is a one-line typed error naming what is wrong.
 */
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperationError, UsageError } from '../../../src/errors';
import { NO_CONFIGURATION, loadKubeconfigFiles, resolveConfig } from '../../../src/kube/kubeconfig';
import type { ConnectionFlags } from '../../../src/kube/types';

const FIX = join(__dirname, '../../fixtures/kubeconfig');
const f = (name: string) => join(FIX, name);
const flags = (over: Partial<ConnectionFlags> = {}): ConnectionFlags => ({ requestTimeoutMs: 30000, ...over });
/** An empty service account dir: never in-cluster unless a test says so. */
const noPod = { serviceAccountDir: join(tmpdir(), 'satoken-no-such-sa-dir') };

function err(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('which files', () => {
  it('--kubeconfig wins over KUBECONFIG and HOME', () => {
    const r = resolveConfig(flags({ kubeconfig: f('b.yaml') }), { env: { KUBECONFIG: f('a.yaml'), HOME: FIX }, ...noPod });
    expect(r.contextName).toBe('ctx-b');
  });

  it('a missing --kubeconfig is an error, not a fallback', () => {
    const e = err(() => resolveConfig(flags({ kubeconfig: f('nope.yaml') }), { env: { KUBECONFIG: f('a.yaml') }, ...noPod }));
    expect(e).toBeInstanceOf(OperationError);
    expect(e.message).toBe(`cannot read kubeconfig ${f('nope.yaml')} (no such file)`);
  });

  it('HOME/.kube/config when neither flag nor KUBECONFIG is given', () => {
    const home = mkdtempSync(join(tmpdir(), 'satoken-home-'));
    mkdirSync(join(home, '.kube'));
    copyFileSync(f('no-current-context.yaml'), join(home, '.kube', 'config'));
    const r = resolveConfig(flags({ context: 'only' }), { env: { HOME: home }, ...noPod });
    expect(r.server).toBe('https://c.example:6443');
  });

  it('nothing anywhere → the no-configuration error (never localhost:8080)', () => {
    const e = err(() => resolveConfig(flags(), { env: { HOME: join(tmpdir(), 'satoken-no-home') }, ...noPod }));
    expect(e).toBeInstanceOf(OperationError);
    expect(e.message).toBe(NO_CONFIGURATION);
    expect(e.message).toBe('no configuration has been provided (set KUBECONFIG, --kubeconfig, or run inside a pod)');
  });

  it('KUBECONFIG entries that do not exist are skipped; all missing → no configuration', () => {
    expect(err(() => resolveConfig(flags(), { env: { KUBECONFIG: `${f('nope1')}:${f('nope2')}` }, ...noPod })).message).toBe(NO_CONFIGURATION);
    const r = resolveConfig(flags(), { env: { KUBECONFIG: `${f('nope1')}::${f('a.yaml')}` }, ...noPod });
    expect(r.contextName).toBe('ctx-a');
  });
});

describe('KUBECONFIG merging (first file to set a value wins)', () => {
  const env = { KUBECONFIG: `${f('a.yaml')}:${f('b.yaml')}` };

  it('current-context from the first file that sets it', () => {
    expect(resolveConfig(flags(), { env, ...noPod }).contextName).toBe('ctx-a');
    const reversed = { KUBECONFIG: `${f('b.yaml')}:${f('a.yaml')}` };
    expect(resolveConfig(flags(), { env: reversed, ...noPod }).contextName).toBe('ctx-b');
  });

  it('a name defined twice keeps the first file\'s entry, whole', () => {
    const merged = loadKubeconfigFiles({}, env)!;
    expect(merged.files).toEqual([f('a.yaml'), f('b.yaml')]);
    expect(merged.clusters.get('shared')!.body.server).toBe('https://a.example:6443');
    expect(merged.users.get('shared-user')!.body.token).toBe('shared-from-a');
    // shared-ctx from a.yaml has no namespace; b.yaml's namespace must not leak in.
    const r = resolveConfig(flags({ context: 'shared-ctx' }), { env, ...noPod });
    expect(r.clusterName).toBe('shared');
    expect(r.userName).toBe('shared-user');
    expect(r.namespace).toBeUndefined();
  });

  it('entries only the second file has are there', () => {
    const r = resolveConfig(flags({ context: 'ctx-b' }), { env, ...noPod });
    expect(r.server).toBe('https://only-b.example:6443');
    expect(r.tlsServerName).toBe('kubernetes.default');
  });

  it('relative paths resolve against the file that holds them', () => {
    const r = resolveConfig(flags({ context: 'ctx-b' }), { env, ...noPod });
    const cluster = (r.kubeconfig.clusters as Array<{ cluster: Record<string, string> }>)[0].cluster;
    expect(cluster['certificate-authority']).toBe(join(FIX, 'certs/ca.crt'));
    // kubectl's field name; credentials.ts reads it, so client-node's copy of the user leaves it out.
    expect(r.user.tokenFile).toBe(join(FIX, 'tokens/user.token'));
    expect((r.kubeconfig.users as Array<{ user: Record<string, string> }>)[0].user).not.toHaveProperty('tokenFile');
    expect(r.caPem).toContain('-----BEGIN CERTIFICATE-----');
  });
});

describe('selection flags', () => {
  const env = { KUBECONFIG: `${f('a.yaml')}:${f('b.yaml')}` };

  it('the context\'s namespace, cluster and user', () => {
    const r = resolveConfig(flags(), { env, ...noPod });
    expect(r).toMatchObject({ contextName: 'ctx-a', clusterName: 'shared', userName: 'alice', namespace: 'team-a', inCluster: false, insecureSkipTlsVerify: false });
    expect(r.caPem).toContain('BEGIN CERTIFICATE');
  });

  it('an unknown --context is refused (client-node would accept it), exit 1 as in kubectl', () => {
    const e = err(() => resolveConfig(flags({ context: 'nope' }), { env, ...noPod }));
    expect(e).toBeInstanceOf(OperationError);
    expect((e as OperationError).exitCode).toBe(1);
    expect(e.message).toBe('context "nope" does not exist in the kubeconfig');
    expect((e as UsageError).hint).toContain('ctx-a, shared-ctx, ctx-b');
  });

  it('--cluster and --user override the context\'s, and unknown ones are refused', () => {
    const r = resolveConfig(flags({ cluster: 'only-a', user: 'bob' }), { env, ...noPod });
    expect(r).toMatchObject({ clusterName: 'only-a', userName: 'bob', insecureSkipTlsVerify: true, namespace: 'team-a' });
    expect(err(() => resolveConfig(flags({ cluster: 'nope' }), { env, ...noPod })).message).toBe('cluster "nope" does not exist in the kubeconfig');
    expect(err(() => resolveConfig(flags({ user: 'nope' }), { env, ...noPod })).message).toBe('user "nope" does not exist in the kubeconfig');
    expect(err(() => resolveConfig(flags({ user: 'nope' }), { env, ...noPod }))).toBeInstanceOf(OperationError);
  });

  it('no current-context: --context chooses; without it, a clear error', () => {
    const env1 = { KUBECONFIG: f('no-current-context.yaml') };
    expect(resolveConfig(flags({ context: 'only' }), { env: env1, ...noPod }).userName).toBe('u');
    const e = err(() => resolveConfig(flags(), { env: env1, ...noPod }));
    expect(e.message).toBe(`no context is selected: ${f('no-current-context.yaml')} sets no current-context`);
    // --cluster alone is enough, as with kubectl.
    expect(resolveConfig(flags({ cluster: 'c' }), { env: env1, ...noPod }).server).toBe('https://c.example:6443');
  });

  it('an explicit but empty --kubeconfig says so', () => {
    expect(err(() => resolveConfig(flags({ kubeconfig: f('empty.yaml') }), { env: {}, ...noPod })).message).toBe(`${f('empty.yaml')} defines no clusters`);
  });
});

describe('invalid kubeconfigs', () => {
  const cases: Array<[string, string | RegExp]> = [
    ['invalid-no-server.yaml', 'cluster "c" has no server in the kubeconfig'],
    ['invalid-ca-base64.yaml', 'cluster "c": certificate-authority-data is not valid base64'],
    ['invalid-ca-not-pem.yaml', 'cluster "c": certificate-authority-data does not hold a PEM certificate'],
    ['invalid-ca-garbled-pem.yaml', 'cluster "c": the certificate authority is not a valid certificate'],
    ['invalid-missing-cluster.yaml', 'context "x" refers to cluster "gone", which does not exist in the kubeconfig'],
    ['invalid-missing-user.yaml', 'context "x" refers to user "nobody", which does not exist in the kubeconfig'],
    ['invalid-current-context.yaml', 'the current context "vanished" does not exist in the kubeconfig'],
    ['invalid-no-name.yaml', /\(clusters\[0\] has no name\)$/],
    ['invalid-http-server.yaml', 'cluster "c": server http://c.example:8080 is not https (plain HTTP is not supported)'],
    // clientcmd validateClusterInfo / parseProxyURL, in kubectl's words (credentials left out, which kubectl prints).
    ['invalid-proxy-scheme.yaml', `invalid 'proxy-url' "not a url" for cluster "c": unsupported scheme "", must be http, https, or socks5`],
    ['invalid-proxy-unparsable.yaml', `invalid 'proxy-url' "http://[bad" for cluster "c": could not parse`],
    ['invalid-yaml.yaml', /^cannot read kubeconfig .*invalid-yaml\.yaml \(.+\)$/],
    ['invalid-token-file.yaml', /^user "u": tokenFile .*tokens\/missing\.token cannot be read \(no such file\)$/],
  ];
  it.each(cases)('%s', (file, expected) => {
    const e = err(() => resolveConfig(flags(), { env: { KUBECONFIG: f(file) }, ...noPod }));
    expect(e).toBeInstanceOf(OperationError);
    if (typeof expected === 'string') expect(e.message).toBe(expected);
    else expect(e.message).toMatch(expected);
    expect(e.message).not.toContain('\n');
  });
});

describe('in-cluster', () => {
  function podDir(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'satoken-sa-'));
    for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, k), v);
    return dir;
  }
  const ca = require('node:fs').readFileSync(f('certs/ca.crt'), 'utf8') as string;

  it('service account files + KUBERNETES_SERVICE_HOST/PORT', () => {
    const dir = podDir({ token: 'pod-token\n', 'ca.crt': ca, namespace: 'apps\n' });
    const r = resolveConfig(flags(), { env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir });
    expect(r).toMatchObject({ inCluster: true, server: 'https://10.96.0.1:443', namespace: 'apps', caPem: ca });
    expect(r.user.token).toBe('pod-token');
  });

  it('IPv6 service host is bracketed', () => {
    const dir = podDir({ token: 't', 'ca.crt': ca });
    const r = resolveConfig(flags(), { env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir });
    expect(r.server).toBe('https://[fd00::1]:443');
    expect(r.namespace).toBeUndefined();
  });

  it('a kubeconfig, when there is one, wins over in-cluster', () => {
    const dir = podDir({ token: 't', 'ca.crt': ca });
    const r = resolveConfig(flags(), { env: { KUBECONFIG: f('a.yaml'), KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir });
    expect(r.inCluster).toBe(false);
  });

  it('env vars without a token file is not in-cluster; a token without ca.crt is an error', () => {
    const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: '/nonexistent' };
    expect(err(() => resolveConfig(flags(), { env, serviceAccountDir: podDir({}) })).message).toBe(NO_CONFIGURATION);
    expect(err(() => resolveConfig(flags(), { env, serviceAccountDir: podDir({ token: 't' }) })).message).toMatch(/ca\.crt cannot be read$/);
  });

  it('--context in a pod without a kubeconfig is refused', () => {
    const dir = podDir({ token: 't', 'ca.crt': ca });
    const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    expect(err(() => resolveConfig(flags({ context: 'x' }), { env, serviceAccountDir: dir })).message).toBe(
      'context "x" does not exist: running in-cluster without a kubeconfig',
    );
  });
});
