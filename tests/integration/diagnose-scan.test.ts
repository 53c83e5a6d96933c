/**
 * Scan mode at scale: 10,000 pods in 100 namespaces, bulk-loaded into the emulator. The scan must
 * use LIST pages only (never a request per pod) and find the few broken pods among them.
 */
import { start, type Emulator, type KubeObject } from '../apiserver';
import { diagnose } from './diagnose-support';

const NAMESPACES = 100;
const PODS_PER_NAMESPACE = 100;
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function objects(): KubeObject[] {
  const out: KubeObject[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `team-${n}`;
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: ns } });
    for (let i = 0; i < PODS_PER_NAMESPACE; i++) {
      // In team-7 the 3rd pod runs as a ServiceAccount that does not exist.
      const sa = n === 7 && i === 3 ? 'gone' : 'app';
      out.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `app-${i}`, namespace: ns, labels: { app: 'app', shard: String(i % 4) } },
        spec: {
          serviceAccountName: sa,
          nodeName: i % 2 ? 'node-1' : 'node-2',
          containers: [{ name: 'app', image: 'example/app:1', volumeMounts: [{ name: 'kube-api-access-x', mountPath: SA_DIR, readOnly: true }] }],
          volumes: [{ name: 'kube-api-access-x', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }],
        },
        status: { phase: 'Running' },
      });
    }
  }
  return out;
}

let k: Emulator;
beforeAll(async () => {
  k = await start({ objects: objects() });
}, 60_000);
afterAll(async () => {
  await k.stop();
});

test('diagnose -A over 10,000 pods: LIST pages only, the broken pod found', async () => {
  const before = k.requests.length;
  const r = await diagnose(k, ['-A', '-o', 'json']);
  const list = JSON.parse(r.stdout);
  // Ours, and the cluster's own (kube-system) pods.
  expect(list.items.filter((i: any) => i.pod.namespace.startsWith('team-'))).toHaveLength(NAMESPACES * PODS_PER_NAMESPACE);
  expect(list.summary.pods).toBe(list.items.length);
  const failing = list.items.filter((i: any) => i.status === 'failing');
  expect(failing.map((i: any) => `${i.pod.namespace}/${i.pod.name} ${i.rootCause.check}`)).toEqual(['team-7/app-3 serviceaccount-exists']);
  expect(r.code).toBe(3);

  const made = k.requests.slice(before);
  // Pods in pages of 500, plus one LIST each of ServiceAccounts, token Secrets, nodes and events.
  expect(made.every((q) => q.method === 'GET' && /^\/api\/v1\/(pods|serviceaccounts|secrets|nodes|events)\?/.test(q.path))).toBe(true);
  expect(made.filter((q) => q.path.startsWith('/api/v1/pods?')).length).toBe(Math.ceil(list.summary.pods / 500));
  expect(made.length).toBeLessThanOrEqual(30);
  // No wall-time bound: the request count is what this proves; how fast the scan is, against kubectl
  // listing the same objects in the same run, is `npm run bench`'s (scripts/bench/scale.mjs).
}, 120_000);

test('-l narrows the scan on the server side', async () => {
  const before = k.requests.length;
  const r = await diagnose(k, ['-A', '-l', 'shard=3', '-o', 'json']);
  expect(JSON.parse(r.stdout).summary.pods).toBe((NAMESPACES * PODS_PER_NAMESPACE) / 4);
  expect(k.requests.slice(before).find((q) => q.path.startsWith('/api/v1/pods?'))?.path).toContain('labelSelector=shard%3D3');
}, 30_000);
