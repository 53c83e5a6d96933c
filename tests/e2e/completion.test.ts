/**
 * Shell completion through the real kubectl (>= 1.26): `kubectl __complete satoken …` runs
 * dist/kubectl_complete-satoken from PATH with the words after `satoken`. PATH is built from
 * scratch: dist/, a directory with only `node`, one with only `kubectl`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COMMANDS } from '../../src/cli/commands/index';
import { GLOBAL_FLAGS } from '../../src/cli/flags';
import { start, type Emulator } from '../apiserver';
import { cleanPath, DIST, ensureBundle, HELPER } from '../support/bundle';

const commandNames = COMMANDS.map((c) => c.command.split(' ')[0]);

let work: string;

/** A TCP server that accepts connections and never answers: a cluster that hangs. */
let hanging: Server;
const sockets: Socket[] = [];
let kubeconfig: string;
let hangingKubeconfig: string;

beforeAll(async () => {
  ensureBundle();
  work = mkdtempSync(path.join(tmpdir(), 'satoken-completion-'));
  kubeconfig = path.join(work, 'config');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: dev',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: not-a-real-token}}]',
      'contexts:',
      '- {name: dev, context: {cluster: c, user: u, namespace: shop}}',
      '- {name: prod-eu, context: {cluster: c, user: u}}',
      '- {name: prod-us, context: {cluster: c, user: u}}',
    ].join('\n'),
  );
  hanging = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  const port = (hanging.address() as { port: number }).port;
  hangingKubeconfig = path.join(work, 'hanging');
  writeFileSync(hangingKubeconfig, readFileSync(kubeconfig, 'utf8').replace('https://127.0.0.1:1', `https://127.0.0.1:${port}`));
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => hanging.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

interface Answer {
  values: string[];
  lines: string[];
  directive: string;
  ms: number;
  stderr: string;
}

/** `kubectl __complete satoken WORDS…`: the candidates (without descriptions) and the directive. */
function complete(words: string[], opts: { node?: string; KUBECONFIG?: string } = {}): Answer {
  const PATH = cleanPath(work, opts.node);
  const started = Date.now();
  const r = spawnSync('kubectl', ['__complete', 'satoken', ...words], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH, HOME: work, KUBECONFIG: opts.KUBECONFIG ?? kubeconfig },
  });
  const ms = Date.now() - started;
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n');
  const directive = lines.pop()!;
  return { values: lines.filter(Boolean).map((l) => l.split('\t')[0]), lines, directive, ms, stderr: r.stderr };
}

test('kubectl finds the helper and gets the subcommands, with descriptions', () => {
  const a = complete(['']);
  expect(a.stderr).toContain('About to call: ' + HELPER);
  expect(a.values).toEqual(commandNames);
  expect(a.directive).toBe(':4');
  for (const c of COMMANDS) expect(a.lines).toContain(`${c.command.split(' ')[0]}\t${c.describe}`);
  console.log(`kubectl __complete satoken "" took ${a.ms} ms (kubectl + the helper on Node 24)`);
});

test('flags: global ones at the root, the subcommand own ones after it', () => {
  const root = complete(['--']).values;
  for (const name of Object.keys(GLOBAL_FLAGS)) expect(root).toContain(`--${name}`);
  expect(root).toContain('--version');
  const mint = complete(['mint', '-']).values;
  expect(mint).toEqual(expect.arrayContaining(['-n', '--namespace', '-o', '--output', '--help', '--audience', '--duration', '--bound-object-kind']));
  expect(mint).not.toContain('--version');
});

test('-o offers the formats of the command; --bound-object-kind offers Pod, Secret and Node', () => {
  expect(complete(['-o', '']).values).toEqual(['table', 'wide', 'json', 'yaml']);
  const mint = COMMANDS.find((c) => c.command.startsWith('mint'));
  if (!mint) throw new Error('mint is not in COMMANDS');
  expect(complete(['mint', '-o', '']).values).toEqual(mint.formats ?? ['table', 'wide', 'json', 'yaml']);
  expect(complete(['mint', 'app', '--bound-object-kind', '']).values.sort()).toEqual(['Node', 'Pod', 'Secret']);
});

test('--context offers the kubeconfig contexts, without asking any cluster', () => {
  expect(complete(['--context', '']).values).toEqual(['dev', 'prod-eu', 'prod-us']);
  expect(complete(['--context=d']).values).toEqual(['--context=dev']);
});

test('the helper is small and holds no client-node (the cluster part is a separate file)', () => {
  const size = statSync(HELPER).size;
  expect(size).toBeLessThan(400_000);
  expect(readFileSync(HELPER, 'utf8')).not.toMatch(/CoreV1Api|undici/);
  expect(readFileSync(path.join(DIST, 'kubectl_complete-satoken-cluster.cjs'), 'utf8')).toMatch(/CoreV1Api/);
  console.log(`completion helper: ${(size / 1024).toFixed(0)} KiB`);
});

test('a cluster that never answers costs about a second and gives no candidates, not an error', () => {
  const a = complete(['decode', '--pod', ''], { KUBECONFIG: hangingKubeconfig });
  expect(a.values).toEqual([]);
  expect(a.directive).toBe(':4');
  // About 1 s budget plus start-up; far below the 30 s request timeout an unbounded call would take.
  expect(a.ms).toBeLessThan(10_000);
  console.log(`completion against a hanging cluster: ${a.ms} ms`);
});

const OLD_NODE = '/usr/bin/node';
const oldNode = existsSync(OLD_NODE) && spawnSync(OLD_NODE, ['-e', 'process.exit(+process.versions.node.split(".")[0] < 22 ? 0 : 1)']).status === 0;
(oldNode ? test : test.skip)(`on an old Node.js (/usr/bin/node) static completion still works and cluster names are skipped${oldNode ? '' : ' (skipped: no Node < 22 there)'}`, () => {
  expect(complete([''], { node: OLD_NODE }).values).toEqual(commandNames);
  const a = complete(['decode', '--pod', ''], { node: OLD_NODE, KUBECONFIG: hangingKubeconfig });
  expect(a.values).toEqual([]);
  expect(a.directive).toBe(':4');
});

/** The same as complete(), without blocking this process: the emulator runs in it. */
function completeAsync(words: string[], KUBECONFIG: string): Promise<Answer> {
  const PATH = cleanPath(work);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['__complete', 'satoken', ...words], { env: { PATH, HOME: work, KUBECONFIG } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`kubectl __complete exited ${code}: ${stderr}`));
      const lines = stdout.trim().split('\n');
      const directive = lines.pop()!;
      resolve({ values: lines.filter(Boolean).map((l) => l.split('\t')[0]), lines, directive, ms: Date.now() - started, stderr });
    });
  });
}

describe('names from a reachable cluster (the API server emulator)', () => {
  let k: Emulator;
  const NS = 'shop';
  beforeAll(async () => {
    k = await start();
    const admin = async (p: string, body: object) => {
      const r = await k.adminRequest('POST', p, body);
      if (r.status >= 300) throw new Error(`POST ${p}: ${r.status} ${JSON.stringify(r.body)}`);
    };
    await admin('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (const name of ['builder', 'web']) {
      await admin(`/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
    }
    for (const name of ['web-0', 'web-1', 'worker-0']) {
      await admin(`/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'busybox' }] },
      });
    }
  }, 60_000);
  afterAll(() => k?.stop());

  const lists = (mark: number) => k.requests.slice(mark).filter((r) => r.method === 'GET').map((r) => r.path.split('?')[0]);

  test('pod names for diagnose, decode --pod and test-auth --pod, in the namespace given', async () => {
    let mark = k.requests.length;
    expect((await completeAsync(['diagnose', '-n', NS, ''], k.kubeconfigPath)).values).toEqual(['web-0', 'web-1', 'worker-0']);
    // one LIST of the namespace's pods (a GET /version may come before it), nothing else
    expect(lists(mark).filter((p) => p !== '/version')).toEqual([`/api/v1/namespaces/${NS}/pods`]);
    expect((await completeAsync(['decode', '--namespace', NS, '--pod', 'web'], k.kubeconfigPath)).values).toEqual(['web-0', 'web-1']);
    mark = k.requests.length;
    expect((await completeAsync(['test-auth', `--namespace=${NS}`, '--pod', 'wo'], k.kubeconfigPath)).values).toEqual(['worker-0']);
    expect(lists(mark).filter((p) => p !== '/version')).toEqual([`/api/v1/namespaces/${NS}/pods`]);
  });

  test('ServiceAccount names for mint (and test-auth --mint)', async () => {
    const a = await completeAsync(['mint', '-n', NS, ''], k.kubeconfigPath);
    expect(a.values).toEqual(expect.arrayContaining(['builder', 'web']));
    expect(a.values).not.toContain('web-0');
    expect((await completeAsync(['test-auth', '-n', NS, '--mint', 'b'], k.kubeconfigPath)).values).toEqual(['builder']);
  });

  test('namespaces for -n', async () => {
    const a = await completeAsync(['diagnose', '-n', ''], k.kubeconfigPath);
    expect(a.values).toEqual(expect.arrayContaining(['default', 'kube-system', NS]));
    console.log(`pod names through kubectl from the emulator: ${a.ms} ms`);
  });
});
