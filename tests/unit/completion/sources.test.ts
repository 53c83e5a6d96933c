import type { KubeConnection } from '../../../src/kube/types';
import { clusterNames } from '../../../src/completion/cluster-names';
import { nameSource, type HelperDeps } from '../../../src/completion/helper';
import { kubeconfigNames, kubeconfigPaths } from '../../../src/completion/kubeconfig-names';
import { LATE_MS } from '../../support/late';

const kubeconfigA = `
apiVersion: v1
kind: Config
clusters: [{name: c1, cluster: {server: https://a}}]
users: [{name: u1, user: {token: x}}]
contexts:
- name: dev
  context: {cluster: c1, user: u1}
- name: prod
  context: {cluster: c1, user: u1}
`;
const kubeconfigB = '{"contexts":[{"name":"prod"},{"name":"staging"}],"clusters":[{"name":"c2"}]}';

describe('kubeconfig names', () => {
  test('paths: --kubeconfig, else every $KUBECONFIG entry, else ~/.kube/config', () => {
    expect(kubeconfigPaths('/f', { KUBECONFIG: '/a:/b' }, '/home/me', ':')).toEqual(['/f']);
    expect(kubeconfigPaths(undefined, { KUBECONFIG: '/a::/b' }, '/home/me', ':')).toEqual(['/a', '/b']);
    expect(kubeconfigPaths(undefined, {}, '/home/me', ':')).toEqual(['/home/me/.kube/config']);
  });

  test('merges names across files, first one wins, malformed files skipped', () => {
    expect(kubeconfigNames([kubeconfigA, kubeconfigB, ':: not yaml ['], 'context')).toEqual(['dev', 'prod', 'staging']);
    expect(kubeconfigNames([kubeconfigA, kubeconfigB], 'cluster')).toEqual(['c1', 'c2']);
    expect(kubeconfigNames([kubeconfigA], 'user')).toEqual(['u1']);
  });
});

function deps(files: Record<string, string>, over: Partial<HelperDeps> = {}): HelperDeps {
  return {
    env: { KUBECONFIG: '/a:/missing:/b' },
    home: '/home/me',
    delimiter: ':',
    readFile: async (p) => {
      if (!(p in files)) throw new Error(`ENOENT ${p}`);
      return files[p];
    },
    loadListNames: async () => {
      throw new Error('the cluster must not be asked');
    },
    timeoutMs: 1000,
    ...over,
  };
}

describe('nameSource', () => {
  test('contexts come from the kubeconfig files only; a missing file is skipped', async () => {
    const src = nameSource(deps({ '/a': kubeconfigA, '/b': kubeconfigB }));
    await expect(src('context', {})).resolves.toEqual(['dev', 'prod', 'staging']);
    await expect(src('context', { kubeconfig: '/b' })).resolves.toEqual(['prod', 'staging']);
  });

  test('pods, ServiceAccounts and namespaces come from the cluster part, with the flags given', async () => {
    const seen: unknown[] = [];
    const src = nameSource(
      deps({}, {
        loadListNames: async () => async (kind, given, _env, timeoutMs) => {
          seen.push({ kind, given, timeoutMs });
          return ['x'];
        },
      }),
    );
    await expect(src('pod', { namespace: 'ns' })).resolves.toEqual(['x']);
    expect(seen).toEqual([{ kind: 'pod', given: { namespace: 'ns' }, timeoutMs: 1000 }]);
  });
});

describe('clusterNames', () => {
  const conn = (overrides: Partial<KubeConnection['api']>): KubeConnection =>
    ({ namespace: 'shop', namespaceExplicit: true, api: overrides }) as unknown as KubeConnection;

  test('lists pods in the namespace the flags select, with a short request timeout', async () => {
    const calls: unknown[] = [];
    const names = await clusterNames(
      async (flags) => {
        calls.push(flags);
        return conn({
          listPods: async (ns: string | undefined) => {
            calls.push(ns);
            return { items: [{ metadata: { name: 'web-1' } }, { metadata: {} }] };
          },
        } as never);
      },
      'pod',
      { namespace: 'shop', context: 'prod' },
      {},
      800,
    );
    expect(names).toEqual(['web-1']);
    expect(calls).toEqual([{ namespace: 'shop', context: 'prod', requestTimeoutMs: 800 }, 'shop']);
  });

  test('gives up after the time budget and aborts the connection attempt', async () => {
    let signal: AbortSignal | undefined;
    const started = Date.now();
    await expect(
      clusterNames(
        (_f, _e, s) => {
          signal = s;
          return new Promise(() => {}); // a cluster that never answers
        },
        'namespace',
        {},
        {},
        150,
      ),
    ).rejects.toThrow('no answer within 150 ms');
    expect(Date.now() - started).toBeLessThan(150 + LATE_MS);
    expect(signal?.aborted).toBe(true);
  });
});
