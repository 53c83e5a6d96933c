/** pods/exec over WebSocket with client-node (v4 channel protocol) and the raw v5 protocol. */
import { PassThrough } from 'node:stream';
import { Exec, KubeConfig, V1Status } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { Emulator, start } from './index';

let k: Emulator;
let kc: KubeConfig;
let pod: string;
const NS = 'demo-healthy';

beforeAll(async () => {
  k = await start({ scenarios: 'healthy' });
  kc = new KubeConfig();
  kc.loadFromString(k.kubeconfig);
  pod = (await k.adminRequest('GET', `/api/v1/namespaces/${NS}/pods`)).body.items[0].metadata.name;
  await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'distroless', annotations: { 'emulator.satoken.dev/image': 'distroless' } },
    spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'gcr.io/distroless/static:nonroot' }] },
  });
});
afterAll(async () => {
  await k.stop();
});

async function clientNodeExec(podName: string, command: string[]): Promise<{ stdout: string; stderr: string; status: V1Status }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += c));
  err.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    new Exec(kc)
      .exec(NS, podName, podName === 'distroless' ? 'app' : 'web', command, out, err, null, false, (status) =>
        // Let the streams deliver what was written before the status frame.
        setImmediate(() => resolve({ stdout, stderr, status })),
      )
      .catch(reject);
  });
}

test('client-node reads the projected token; the status is Success', async () => {
  const r = await clientNodeExec(pod, ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
  expect(r.status.status).toBe('Success');
  expect(r.stdout.split('.')).toHaveLength(3);
  const upgrade = k.requests.find((q) => q.path.includes('/exec?'))!;
  expect(upgrade.status).toBe(101);
  expect(upgrade.path).toContain('command=cat');
});

test('a non-zero exit arrives as NonZeroExitCode with the code in details.causes', async () => {
  const r = await clientNodeExec(pod, ['sh', '-c', 'cat /nope; exit 3']);
  expect(r.stderr).toBe('cat: /nope: No such file or directory\n');
  expect(r.status).toEqual({
    metadata: {},
    status: 'Failure',
    message: 'command terminated with non-zero exit code: error executing command [sh -c cat /nope; exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
});

test('a distroless container cannot start the command: InternalError from the runtime', async () => {
  const r = await clientNodeExec('distroless', ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
  expect(r.status.status).toBe('Failure');
  expect(r.status.reason).toBe('InternalError');
  expect(r.status.message).toContain('executable file not found in $PATH');
});

function rawExec(path: string, protocol: string, headers: Record<string, string> = {}): Promise<{ frames: Buffer[]; protocol: string; httpStatus?: number; body?: string }> {
  const pki = (k as any).cluster.pki;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${k.url.replace('https', 'wss')}${path}`, [protocol], { ca: k.caPem, cert: pki.admin.certPem, key: pki.admin.keyPem, headers });
    const frames: Buffer[] = [];
    ws.on('message', (d: Buffer) => frames.push(d));
    ws.on('close', () => resolve({ frames, protocol: ws.protocol }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ frames, protocol: '', httpStatus: res.statusCode, body }));
    });
    ws.on('error', reject);
  });
}

test('v5.channel.k8s.io: stdout on channel 1, the Status on channel 3', async () => {
  const r = await rawExec(`/api/v1/namespaces/${NS}/pods/${pod}/exec?command=cat&command=/var/run/secrets/kubernetes.io/serviceaccount/namespace&stdout=true&stderr=true`, 'v5.channel.k8s.io');
  expect(r.protocol).toBe('v5.channel.k8s.io');
  expect(r.frames.map((f) => f[0])).toEqual([1, 3]);
  expect(r.frames[0].subarray(1).toString()).toBe(NS);
  expect(JSON.parse(r.frames[1].subarray(1).toString())).toEqual({ metadata: {}, status: 'Success' });
});

test('checks before the upgrade: unknown container, missing pod, RBAC create pods/exec', async () => {
  const bad = await rawExec(`/api/v1/namespaces/${NS}/pods/${pod}/exec?command=ls&container=nope`, 'v4.channel.k8s.io');
  expect(bad.httpStatus).toBe(400);
  expect(JSON.parse(bad.body!).message).toBe(`container nope is not valid for pod ${pod}`);
  const missing = await rawExec(`/api/v1/namespaces/${NS}/pods/ghost/exec?command=ls`, 'v4.channel.k8s.io');
  expect(missing.httpStatus).toBe(404);
  const token = (await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts/web/token`, { spec: {} })).body.status.token;
  const denied = await new Promise<{ status?: number; body: string }>((resolve) => {
    const ws = new WebSocket(`${k.url.replace('https', 'wss')}/api/v1/namespaces/${NS}/pods/${pod}/exec?command=ls`, ['v4.channel.k8s.io'], { ca: k.caPem, headers: { Authorization: `Bearer ${token}` } });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    ws.on('error', () => undefined);
  });
  expect(denied.status).toBe(403);
  expect(JSON.parse(denied.body).message).toBe(
    `pods "${pod}" is forbidden: User "system:serviceaccount:${NS}:web" cannot create resource "pods/exec" in API group "" in the namespace "${NS}"`,
  );
});
