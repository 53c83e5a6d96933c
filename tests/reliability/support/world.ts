/**
 * The small cluster the reliability tests break: namespace shop (ServiceAccount app, a running
 * pod web, a legacy token Secret app-legacy) and the upgraded legacy namespace of the
 * migrate-legacy tests; and one invocation of each subcommand that talks to the cluster.
 */
import { start, type Emulator } from '../../apiserver';
import { cli, type CliRun, type CliRunOptions } from '../../support/cli';
import { LATE_MS } from '../../support/late';

export const NS = 'shop';

export const SHOP = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: NS } },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name: 'app-legacy', namespace: NS, annotations: { 'kubernetes.io/service-account.name': 'app' } },
  },
];

/** Pods are created through the API (admission injects the token volume, the kubelet starts them). */
export const WEB_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', annotations: { 'emulator.satoken.dev/image': 'busybox' } },
  spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: 'busybox' }] },
};

export async function startWorld(extra: unknown[] = [], opts: { latencyMs?: number } = {}): Promise<Emulator> {
  const k = await start({ objects: [...structuredClone(SHOP), ...structuredClone(extra)] as any, ...opts });
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, WEB_POD);
  if (r.status >= 300) throw new Error(`create pod: ${r.status} ${JSON.stringify(r.body)}`);
  // The first cluster command loads client-node (seconds on a busy machine): not part of any timing.
  await cli(['decode', '--secret', 'app-legacy', '-n', NS], { kubeconfig: k.kubeconfigPath });
  return k;
}

/** Every subcommand that talks to the cluster, as a user would run it against this world. */
export const CLUSTER_COMMANDS: Record<string, string[]> = {
  'decode --secret': ['decode', '--secret', 'app-legacy', '-n', NS],
  'decode --pod': ['decode', '--pod', 'web', '-n', NS],
  mint: ['mint', 'app', '-n', NS],
  'test-auth': ['test-auth', '--mint', 'app', '-n', NS],
  diagnose: ['diagnose', 'web', '-n', NS],
  'migrate-legacy': ['migrate-legacy', '-n', NS],
};

export interface TimedRun extends CliRun {
  ms: number;
  /** Milliseconds from the first request the emulator received to the command's end (runs of useFaultWorld). */
  sinceFirstRequestMs?: number;
}

export async function timed(args: string[], opts: CliRunOptions): Promise<TimedRun> {
  const t0 = Date.now();
  const r = await cli(args, opts);
  return { ...r, ms: Date.now() - t0 };
}

/** The `error:` lines of a run's stderr. */
export const errorLines = (r: CliRun) => r.stderr.split('\n').filter((l) => l.startsWith('error: '));

/** No stack trace and no "unexpected" crash report. */
export function noCrash(r: CliRun): void {
  if (/^\s+at /m.test(r.stderr) || /this is unexpected/.test(r.stderr)) throw new Error(`crashed:\n${r.stderr}`);
}

/** What a fault-injection test file needs: the emulator, faults, a timed run, the request log. */
export interface FaultWorld {
  /** The emulator (valid inside tests, after beforeAll). */
  k(): Emulator;
  fault(spec: Record<string, unknown>): Promise<unknown>;
  /** The cli in-process against the world, with --request-timeout `timeout`. */
  run(args: string[], timeout?: string): Promise<TimedRun>;
  /** Requests since `mark`, as "METHOD path status" (path without query). */
  log(mark: number): string[];
}

/** Registers the hooks (start once, reset faults before each test, stop after) and returns the helpers. */
export function useFaultWorld(): FaultWorld {
  let k: Emulator;
  beforeAll(async () => {
    k = await startWorld();
  }, 30_000);
  afterAll(() => k?.stop());
  beforeEach(() => k.adminRequest('POST', '/_emulator/faults', { reset: true }));
  return {
    k: () => k,
    fault: (spec) => k.adminRequest('POST', '/_emulator/faults', spec),
    run: async (args, timeout = '2s') => {
      const mark = k.requests.length;
      const r = await timed([...args, '--request-timeout', timeout], { kubeconfig: k.kubeconfigPath });
      const first = k.requests[mark];
      return { ...r, sinceFirstRequestMs: first === undefined ? undefined : Date.now() - first.receivedMs };
    },
    log: (mark) => k.requests.slice(mark).map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`),
  };
}

/** [status, what the error line says] — the API paths only; the emulator's control endpoints are exempt. */
const STATUSES: Array<[number, RegExp]> = [
  [401, /Unauthorized/],
  [403, /\(403\)/],
  [404, /\(404\)/],
  [409, /\(409\)/],
  [429, /\(429\)/],
  [500, /Internal error occurred: injected fault/],
  [503, /\(503\)/],
];

/**
 * Every HTTP error status on every request, for the given commands: exit 1, one `error:` line that
 * names it, within --request-timeout (retries included) of the first request, give or take what a
 * loaded machine adds (LATE_MS). The timeout is 3 s, not less: at load average 25 a single
 * request's TLS handshake and answer can take over a second, and the line would then name the
 * timeout instead of the status. Split over two files so that each stays short.
 */
const STATUS_TIMEOUT_S = 3;
export function describeServerStatuses(commands: Array<keyof typeof CLUSTER_COMMANDS>): void {
  const w = useFaultWorld();
  describe.each(Object.entries(CLUSTER_COMMANDS).filter(([n]) => commands.includes(n)))('%s', (_name, args) => {
    test.each(STATUSES)(`HTTP %i on every request → exit 1, one error line, within --request-timeout ${STATUS_TIMEOUT_S}s`, async (status, says) => {
      await w.fault({ pathRegex: '^/(api|apis)/', status });
      const r = await w.run(args, `${STATUS_TIMEOUT_S}s`);
      noCrash(r);
      expect(r.code).toBe(1);
      expect(errorLines(r)).toHaveLength(1);
      expect(errorLines(r)[0]).toMatch(says);
      expect(r.sinceFirstRequestMs).toBeLessThan(STATUS_TIMEOUT_S * 1000 + LATE_MS);
    });
  });
}
