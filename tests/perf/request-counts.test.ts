/**
 * Request-count regression tests (issue 8): what the emulator served for each command, counted from
 * its request log. Not timings. The ceilings are the counts measured when these tests were written
 * (README, Performance); a change that adds a request fails here and has to say why.
 * - diagnose POD and test-auth: a fixed handful of requests;
 * - scans (diagnose -n NS, diagnose -A, migrate-legacy -A): O(pages) — the same count for 100 pods
 *   or 2,000, one more per --chunk-size page, never one per object.
 */
import { start, type Emulator } from '../apiserver';
import { cli } from '../support/cli';
import { clusterObjects, type ClusterScale } from '../../scripts/bench/cluster-objects';

/** Requests the emulator served while `run` ran, as `METHOD path-without-query`. */
async function served(k: Emulator, run: () => Promise<{ code: number; stderr: string }>, okCodes = [0, 3]): Promise<string[]> {
  const before = k.requests.length;
  const r = await run();
  if (!okCodes.includes(r.code)) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return k.requests.slice(before).map((q) => `${q.method} ${q.path.split('?')[0]}`);
}

const satoken = (k: Emulator, args: string[], stdin?: string) =>
  cli(args, { kubeconfig: k.kubeconfigPath, clock: () => k.clock.now(), ...(stdin !== undefined ? { stdin } : {}) });

/** The same kind of cluster as the scale benchmark's, at a size a test can afford. */
const small = (namespaces: number): ClusterScale => ({
  namespaces,
  serviceAccountsPerNamespace: 10,
  podsPerNamespace: 25,
  secretsPerNamespace: 50,
  tokenSecretsPerNamespace: 5,
});

describe('one pod (the demo cluster)', () => {
  let k: Emulator;
  beforeAll(async () => {
    k = await start({ scenarios: 'demo' });
  }, 60_000);
  afterAll(() => k.stop());

  const podIn = (ns: string) => k.store.list(k.cluster.type('', 'pods'), ns).items[0].metadata.name;

  test('diagnose POD: at most 11 requests (exec included)', async () => {
    const sent = await served(k, () => satoken(k, ['diagnose', podIn('demo-healthy'), '-n', 'demo-healthy', '-o', 'json']));
    expect(sent.length).toBeLessThanOrEqual(11);
    // Each object read once, whatever number of checks use it (the run cache is single-flight).
    const reads = sent.filter((s) => s.startsWith('GET '));
    expect(new Set(reads).size).toBe(reads.length);
  });

  test('test-auth TOKEN: at most 5 requests', async () => {
    const mint = await satoken(k, ['mint', 'web', '-n', 'demo-healthy']);
    expect(mint.code).toBe(0);
    const sent = await served(k, () => satoken(k, ['test-auth', '-', '-o', 'json'], mint.stdout.trim()));
    expect(sent.length).toBeLessThanOrEqual(5);
  });
});

describe('scans: O(pages), not O(objects)', () => {
  // 2,000 pods, 4,000 Secrets (400 tokens), 800 ServiceAccounts in 80 namespaces.
  let k: Emulator;
  beforeAll(async () => {
    k = await start({ objects: [...clusterObjects(small(80))] as never[] });
  }, 60_000);
  afterAll(() => k.stop());

  const lists = (sent: string[], resource: string) => sent.filter((s) => s.startsWith('GET ') && s.endsWith(`/${resource}`)).length;

  test('migrate-legacy -A --chunk-size 500: one LIST per page of each kind, owners from the ReplicaSets LIST', async () => {
    const sent = await served(k, () => satoken(k, ['migrate-legacy', '-A', '--chunk-size', '500', '-o', 'json']));
    expect(lists(sent, 'pods')).toBe(5); // 2,000 pods (+ the emulator's own) in pages of 500
    expect(lists(sent, 'serviceaccounts')).toBe(2); // 800 (+ defaults)
    expect(lists(sent, 'secrets')).toBe(1); // the 400 token Secrets (fieldSelector type=)
    // 80 ReplicaSets own pods that mount tokens: listed, not fetched one by one.
    expect(sent.filter((s) => /\/replicasets\/[^/]+$/.test(s))).toEqual([]);
    // Each of the 7 kinds with a pod template is LISTed once (their templates count as users).
    for (const kind of ['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'replicationcontrollers', 'jobs', 'cronjobs']) expect(lists(sent, kind)).toBe(1);
    expect(sent.length).toBeLessThanOrEqual(16);
  });

  test('migrate-legacy: the same count with --chunk-size 250, plus one LIST per extra page', async () => {
    const sent = await served(k, () => satoken(k, ['migrate-legacy', '-A', '--chunk-size', '250', '-o', 'json']));
    expect(lists(sent, 'pods')).toBe(9);
    expect(sent.filter((s) => /\/(pods|secrets|serviceaccounts|replicasets)\/[^/]+$/.test(s))).toEqual([]);
  });

  test('diagnose -A: LISTs by the page, no request per pod', async () => {
    const sent = await served(k, () => satoken(k, ['diagnose', '-A', '-o', 'json']));
    expect(sent.filter((s) => /\/(pods|secrets|serviceaccounts|nodes)\/[^/]+$/.test(s))).toEqual([]);
    expect(lists(sent, 'pods')).toBe(5);
    expect(sent.length).toBeLessThanOrEqual(10);
  });

  test('diagnose -n NS: a handful of LISTs for the namespace', async () => {
    const sent = await served(k, () => satoken(k, ['diagnose', '-n', 'team-0007', '-o', 'json']));
    expect(sent.filter((s) => /\/(pods|secrets|serviceaccounts|nodes)\/[^/]+$/.test(s))).toEqual([]);
    expect(sent.length).toBeLessThanOrEqual(5);
  });
});
