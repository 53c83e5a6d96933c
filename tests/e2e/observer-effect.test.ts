/**
 * Looking must not change what is seen: the plugin's own reads of a pod's token (diagnose's probe,
 * diagnose -A --deep, decode --pod, test-auth --pod) go through the container's read-only token
 * mount, which moves no access time (as on a real node), and app-token-reload judges the app by the
 * audit log's record of the token it presents. The built bundle, run as a user would, one HOME
 * (so one memory of its own reads) per emulator.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { DEMO_ELAPSED_SECONDS } from '../apiserver/scenarios/demo';
import { BIN, ensureBundle, NODE24 as NODE } from '../support/bundle';

const NS = 'diag-app-cache';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function satoken(k: Emulator, home: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(NODE, [BIN, ...args], { timeout: 60_000, env: { PATH: path.dirname(NODE), HOME: home, KUBECONFIG: k.kubeconfigPath, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** What a verdict is made of: the status, the root cause and each check's status (not its wording, which carries ages). */
async function verdict(k: Emulator, home: string, pod: string): Promise<{ status: string; rootCause: string | null; reload: string; checks: string[] }> {
  const r = await satoken(k, home, ['diagnose', pod, '-n', NS, '-o', 'json', '--audit-log', path.join(home, 'audit.log')]);
  let d: any;
  try {
    d = JSON.parse(r.stdout);
  } catch {
    throw new Error(`diagnose printed no JSON (exit ${r.code}): ${r.stderr}`);
  }
  const reload = d.checks.find((c: { id: string }) => c.id === 'app-token-reload');
  return { status: d.status, rootCause: d.rootCause?.check ?? null, reload: reload.status, checks: d.checks.map((c: { id: string; status: string }) => `${c.id}=${c.status}`) };
}

/** The caching app's verdict as the first diagnosis, untouched by any earlier read of ours. */
const CACHING = { status: 'degraded', rootCause: 'app-token-reload', reload: 'warn' };

async function withDemo(fn: (k: Emulator, home: string, pod: string) => Promise<void>): Promise<void> {
  const home = mkdtempSync(path.join(tmpdir(), 'satoken-observer-'));
  // As `npm run cluster` does: the demo moves the clock on while seeding, so start it that much earlier.
  const k = await start({ scenarios: 'demo', now: new Date(Date.now() - DEMO_ELAPSED_SECONDS * 1000), auditLogPath: path.join(home, 'audit.log') });
  try {
    const pods = k.store.list(k.cluster.type('', 'pods'), NS).items;
    await fn(k, home, pods[0].metadata.name);
  } finally {
    await k.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

beforeAll(() => ensureBundle(), 180_000);

test('diagnose three times on the caching app: the same verdict each time', async () => {
  await withDemo(async (k, home, pod) => {
    const first = await verdict(k, home, pod);
    expect(first).toMatchObject(CACHING);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await verdict(k, home, pod)).toEqual(first);
    expect(await verdict(k, home, pod)).toEqual(first);
  });
}, 180_000);

test.each([
  ['decode --pod', (pod: string) => ['decode', '--pod', pod, '-n', NS]],
  ['test-auth --pod', (pod: string) => ['test-auth', '--pod', pod, '-n', NS]],
  ['diagnose -A --deep', () => ['diagnose', '-A', '--deep', '-o', 'json']],
])('%s first, then diagnose: the verdict a first diagnosis gives', async (_name, args) => {
  await withDemo(async (k, home, pod) => {
    const times = () => k.kubelet.fileSystem(NS, pod)!.lookup('/var/run/secrets/kubernetes.io/serviceaccount/token');
    const before = { atime: times().atime, mtime: times().mtime };
    const r = await satoken(k, home, args(pod));
    expect(r.stderr).not.toMatch(/^error:/m);
    // Our read went through the read-only mount: the token file's access time is as it was.
    expect({ atime: times().atime, mtime: times().mtime }).toEqual(before);
    const after = await verdict(k, home, pod);
    expect(after).toMatchObject(CACHING);
    expect(await verdict(k, home, pod)).toEqual(after);
  });
}, 180_000);
