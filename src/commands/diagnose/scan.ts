/**
 * diagnose -n NS | -l SELECTOR | -A: every matching pod, from a handful of LISTs — pods (page by
 * page), ServiceAccounts, token Secrets, nodes, FailedMount events — never a request per pod.
 * Only the checks that need no exec and no TokenReview run, unless --deep (which then does
 * exec + TokenReview per pod, a few pods at a time).
 *
 * Memory stays bounded by keeping only what the checks read from each listed object, and by
 * diagnosing each page of pods before fetching the next.
 */
import type { CoreV1Event, V1Node, V1Pod, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import { RunCache } from '../../checks/cache.js';
import { got, missing, type DiagnosisSource, type Fetched, type Unavailable } from '../../checks/context.js';
import { restartsOffLostNode } from '../../checks/fixes.js';
import { CHECKS } from '../../checks/index.js';
import { runChecks, summarize, type Unverified } from '../../checks/runner.js';
import { chooseContainer, podRef, SECRET_TOKEN_TYPE, serviceAccountName } from '../../checks/spec.js';
import { THIRD_PARTY_READS } from '../../checks/third-party-tokens.js';
import { FETCH_TOKEN_FAILED } from '../../checks/token-mounted.js';
import type { CheckResult } from '../../checks/types.js';
import { ApiError } from '../../kube/errors.js';
import { listAll } from '../../kube/list.js';
import { boundYoungGeneration } from '../../kube/list-memory.js';
import type { KubeApi, ListOptions, Page } from '../../kube/types.js';
import type { Deps, Outcome } from '../types.js';
import { ownReadsIn } from '../own-reads.js';
import { execReader, type ReadMemory } from './readers.js';
import { apiServerConfig, liveSource, type Inspect } from './source.js';
import { withheld } from './pod.js';
import type { DiagnoseOptions, DiagnosisList, ScanItem } from './types.js';

/** Pods per LIST page: big pages, few round trips. */
const PAGE = 500;
/** --deep: pods diagnosed at once (each is a chain of requests). */
const DEEP_CONCURRENCY = 8;
/**
 * Pods diagnosed at once without --deep (their checks read only the indexes). A whole page at once
 * kept 500 pods' check contexts alive together, long enough for V8 to promote them to the old
 * generation and grow the heap (issue 8); a small batch lets them die young.
 */
const SPEC_BATCH = 25;

/** What a scan keeps of each listed object: what the checks read, nothing more. */
interface Indexes {
  serviceAccounts: Fetched<Map<string, V1ServiceAccount>>;
  tokenSecrets: Fetched<Map<string, V1Secret[]>>;
  nodes: Fetched<Map<string, V1Node>>;
  events: Fetched<Map<string, CoreV1Event[]>>;
}

export async function diagnoseScan(options: DiagnoseOptions, deps: Deps, inspect: Inspect): Promise<Outcome<DiagnosisList>> {
  const conn = await deps.kube();
  const api = conn.api;
  const namespace = options.allNamespaces ? undefined : conn.namespace;
  const where = namespace === undefined ? 'all namespaces' : `namespace ${namespace}`;
  const now = deps.clock();
  const checks = options.deep ? CHECKS : CHECKS.filter((c) => c.specLevel);
  deps.progress(`listing ServiceAccounts, token Secrets, nodes and events in ${where}…`);

  // The indexes and the first page of pods are independent: one round trip for all of them.
  const firstPage = api.listPods(namespace, { labelSelector: options.selector, limit: PAGE, singlePage: true });
  firstPage.catch(() => {});
  const indexes = await loadIndexes(api, namespace);
  const cache = new RunCache();
  const memory: ReadMemory = { server: conn.cluster.server, reads: ownReadsIn(deps.io, deps.env) };
  const shared = sharedParts();
  const intern = shared.intern;
  const items: ScanItem[] = [];
  const counts = { pods: 0, healthy: 0, degraded: 0, failing: 0, inconclusive: 0, specOnly: 0 };
  const notRun = CHECKS.filter((c) => !checks.includes(c)).map((c) => ({ id: c.id, reason: 'needs the token: diagnose POD, or --deep', needs: '--deep' }));
  let withheldAny = false;

  let page: Page<V1Pod> = await firstPage;
  for (;;) {
    const run = async (pod: V1Pod): Promise<ScanItem | undefined> => {
      const container = chooseContainer(pod);
      if (!container) return undefined;
      const data = scanSource(pod, container.name, indexes, { api, conn, now, inspect, shared: cache, deep: options.deep, exec: options.exec, memory });
      const results = restartsOffLostNode(pod, await runChecks({ now, pod, container, options: { can: options.can, mode: 'scan' }, data }, checks));
      const { namespace: ns, name } = podRef(pod);
      const summary = summarize(results, notRun);
      const { status, rootCause, fix } = summary;
      if (withheld(summary)) withheldAny = true;
      const node = pod.spec?.nodeName;
      return {
        kind: 'Diagnosis',
        pod: { namespace: intern(ns), name, serviceAccountName: intern(serviceAccountName(pod)), node: node === undefined ? null : intern(node), container: intern(container.name) },
        status,
        rootCause: rootCause && shared.rootCause(rootCause),
        fix: shared.fix(fix),
        ...(summary.unverified ? { unverified: shared.unverified(summary.unverified) } : {}),
        checks: shared.checks(results),
      };
    };
    const batch = options.deep ? DEEP_CONCURRENCY : SPEC_BATCH;
    for (let i = 0; i < page.items.length; i += batch) {
      for (const item of await Promise.all(page.items.slice(i, i + batch).map(run))) {
        if (!item) continue;
        items.push(item);
        counts.pods++;
        counts[item.status]++;
        if (!options.deep) counts.specOnly++;
      }
    }
    deps.progress(`diagnosed ${counts.pods} ${counts.pods === 1 ? 'pod' : 'pods'} in ${where} (${counts.failing} failing, ${counts.degraded} degraded)…`);
    await boundYoungGeneration();
    if (!page.continue) break;
    page = await api.listPods(namespace, { labelSelector: options.selector, limit: PAGE, singlePage: true, continue: page.continue });
  }
  deps.progress('');

  const order = { failing: 0, degraded: 1, inconclusive: 2, healthy: 3 };
  items.sort((a, b) => order[a.status] - order[b.status]);
  const result: DiagnosisList = { kind: 'DiagnosisList', items, summary: counts, ...(notRun.length ? { notRun: notRun.map(({ id, reason }) => ({ id, reason })) } : {}) };
  return { result, problem: counts.failing > 0, inconclusive: counts.failing === 0 && withheldAny, notices: unavailableNotices(indexes) };
}

/**
 * One copy of each distinct part the items keep. 50,000 pods have a few dozen distinct check
 * outcomes between them: each pod's own copy of its check rows, root cause and fix list (and of
 * their messages, built afresh for each pod as trees of concatenated pieces) was most of the scan's
 * live heap at the scale benchmark (issue 8). Equal parts are now one object, referenced by every
 * item that has it: JSON and YAML (no aliases) print them the same, and nothing mutates an item.
 * Looking a string up in a Map also flattens it; the Maps go with the scan.
 */
function sharedParts() {
  const strings = new Map<string, string>();
  const intern = (s: string): string => {
    const known = strings.get(s);
    if (known !== undefined) return known;
    strings.set(s, s);
    return s;
  };
  /** One object per distinct value, keyed by a string that tells the values apart. */
  const table = <T>() => {
    const m = new Map<string, T>();
    return (key: string, make: () => T): T => {
      let v = m.get(key);
      if (v === undefined) m.set(key, (v = make()));
      return v;
    };
  };
  type Row = ScanItem['checks'][number];
  const rowIds = new Map<Row, number>();
  const rowTable = table<Row>();
  const rowsTable = table<Row[]>();
  const fixTable = table<string[]>();
  const causeTable = table<NonNullable<ScanItem['rootCause']>>();
  const unverifiedTable = table<Unverified[]>();
  const row = (r: CheckResult): Row =>
    rowTable(`${r.id}\0${r.status}\0${r.message}`, () => {
      const made: Row = { id: r.id, status: r.status, message: intern(r.message) };
      rowIds.set(made, rowIds.size);
      return made;
    });
  return {
    intern,
    checks(results: CheckResult[]): Row[] {
      const rows = results.map(row);
      return rowsTable(rows.map((x) => rowIds.get(x)).join(','), () => rows);
    },
    fix: (fix: string[]): string[] => fixTable(fix.join('\n'), () => fix.map(intern)),
    unverified: (u: Unverified[]): Unverified[] => unverifiedTable(JSON.stringify(u), () => u),
    rootCause: (c: NonNullable<ScanItem['rootCause']>) => causeTable(`${c.check}\0${c.message}`, () => ({ check: c.check, message: intern(c.message) })),
  };
}

async function loadIndexes(api: KubeApi, namespace: string | undefined): Promise<Indexes> {
  const where = namespace === undefined ? 'cluster-wide' : `in ${namespace}`;
  const [serviceAccounts, tokenSecrets, nodes, events] = await Promise.all([
    indexed(`list serviceaccounts ${where}`, (o) => api.listServiceAccounts(namespace, o), {}, new Map<string, V1ServiceAccount>(), (m, sa: V1ServiceAccount) => {
      m.set(`${sa.metadata?.namespace}/${sa.metadata?.name}`, slimServiceAccount(sa));
    }),
    indexed(`list secrets ${where}`, (o) => api.listSecrets(namespace, o), { fieldSelector: `type=${SECRET_TOKEN_TYPE}` }, new Map<string, V1Secret[]>(), (m, s: V1Secret) => {
      const ns = s.metadata?.namespace ?? '';
      // Only what legacy-secret reads: never the token itself.
      const slim: V1Secret = { metadata: { name: s.metadata?.name, namespace: ns, labels: s.metadata?.labels }, type: s.type };
      const list = m.get(ns);
      if (list) list.push(slim);
      else m.set(ns, [slim]);
    }),
    indexed('list nodes', (o) => api.listNodes(o), {}, new Map<string, V1Node>(), (m, n: V1Node) => {
      const labels = picked(n.metadata?.labels, THIRD_PARTY_READS.nodeLabels);
      m.set(n.metadata?.name ?? '', { metadata: { name: n.metadata?.name, ...(labels ? { labels } : {}) }, spec: { unschedulable: n.spec?.unschedulable }, status: { conditions: n.status?.conditions?.filter((c) => c.type === 'Ready') } });
    }),
    indexed(`list events ${where}`, (o) => api.listEvents(namespace, o), { fieldSelector: 'reason=FailedMount' }, new Map<string, CoreV1Event[]>(), (m, e: CoreV1Event) => {
      if (e.involvedObject?.kind !== 'Pod' || !FETCH_TOKEN_FAILED.test(e.message ?? '')) return;
      const key = `${e.involvedObject.namespace ?? e.metadata?.namespace}/${e.involvedObject.name}`;
      const list = m.get(key);
      if (list) list.push(e);
      else m.set(key, [e]);
    }),
  ]);
  return { serviceAccounts, tokenSecrets, nodes, events };
}

/**
 * A LIST folded into an index a page at a time: each page's objects are reduced to what the checks
 * read as the page arrives, and the page is dropped before the next is fetched. Collecting the
 * whole list first held all 20,000 ServiceAccounts and 10,000 token Secrets (their tokens and CA
 * bundles included, ~20 MB of JSON) at once, which made V8 grow its young generation to its
 * maximum before the first pod was diagnosed (issue 8).
 */
async function indexed<T, R>(
  what: string,
  list: (opts: ListOptions) => Promise<Page<T>>,
  opts: Pick<ListOptions, 'fieldSelector' | 'labelSelector'>,
  index: R,
  add: (index: R, item: T) => void,
): Promise<Fetched<R>> {
  try {
    for await (const page of listAll(list, { ...opts, limit: PAGE })) {
      for (const item of page.items) add(index, item);
      await boundYoungGeneration();
    }
    return got(index);
  } catch (e) {
    if (e instanceof ApiError && e.code === 403) return missing({ kind: 'forbidden', permission: what, message: e.serverMessage || 'Forbidden' });
    return missing({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

function slimServiceAccount(sa: V1ServiceAccount): V1ServiceAccount {
  const annotations = picked(sa.metadata?.annotations, THIRD_PARTY_READS.serviceAccountAnnotations);
  return {
    metadata: {
      name: sa.metadata?.name,
      namespace: sa.metadata?.namespace,
      uid: sa.metadata?.uid,
      creationTimestamp: sa.metadata?.creationTimestamp,
      deletionTimestamp: sa.metadata?.deletionTimestamp,
      ...(annotations ? { annotations } : {}),
    },
    automountServiceAccountToken: sa.automountServiceAccountToken,
    secrets: sa.secrets,
  };
}

/** Only `keys` of a label or annotation map (what the checks read); undefined when none is set. */
function picked(map: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> | undefined {
  if (!map) return undefined;
  const out: Record<string, string> = {};
  for (const k of keys) if (map[k] !== undefined) out[k] = map[k];
  return Object.keys(out).length ? out : undefined;
}

interface ScanSettings {
  api: KubeApi;
  conn: Awaited<ReturnType<Deps['kube']>>;
  now: Date;
  inspect: Inspect;
  /** Cluster-wide facts fetched once for the whole scan (API server settings). */
  shared: RunCache;
  deep: boolean;
  exec: boolean;
  memory: ReadMemory;
}

/** One pod's data from the indexes; the token-level data only with --deep. */
function scanSource(pod: V1Pod, container: string, ix: Indexes, s: ScanSettings): DiagnosisSource {
  const { namespace, name } = podRef(pod);
  const from = <T>(f: Fetched<unknown>, pick: () => T): Fetched<T> => (f.ok ? got(pick()) : (f as { ok: false; why: Unavailable }));
  const noToken: Unavailable = { kind: 'not-applicable', message: 'a scan reads no tokens (diagnose POD, or --deep)' };
  const live = liveSource({
    conn: s.conn,
    namespace,
    podName: name,
    pod: Promise.resolve(pod),
    now: s.now,
    cache: new RunCache(),
    inspect: s.inspect,
    apiServer: () => s.shared.once('apiserver', () => apiServerConfig(s.api, s.conn.namespace)),
    readToken: s.deep ? execReader(s.api, Promise.resolve(pod), () => container, s.exec, s.memory) : async () => missing(noToken),
  });
  return {
    ...live,
    serviceAccount: async () => from(ix.serviceAccounts, () => (ix.serviceAccounts.ok ? ix.serviceAccounts.value.get(`${namespace}/${serviceAccountName(pod)}`) ?? null : null)),
    node: async () => {
      const n = pod.spec?.nodeName;
      if (!n) return missing({ kind: 'not-applicable', message: 'the pod is not scheduled' });
      return from(ix.nodes, () => (ix.nodes.ok ? ix.nodes.value.get(n) ?? null : null));
    },
    tokenSecrets: async () => from(ix.tokenSecrets, () => (ix.tokenSecrets.ok ? ix.tokenSecrets.value.get(namespace) ?? [] : [])),
    podEvents: async () => from(ix.events, () => (ix.events.ok ? ix.events.value.get(`${namespace}/${name}`) ?? [] : [])),
  };
}

function unavailableNotices(ix: Indexes): Outcome<DiagnosisList>['notices'] {
  return Object.values(ix)
    .filter((f): f is { ok: false; why: Unavailable } => !f.ok)
    .map((f) => ({ level: 'warning' as const, message: `${f.why.kind === 'forbidden' ? `not permitted: ${f.why.permission}` : f.why.message}: the checks that need it skip` }));
}
