/**
 * Collects what the report needs by streaming paginated LISTs of token Secrets, ServiceAccounts and
 * pods (a few requests per page, never one per object), keeping only small facts per object so that
 * 100,000 Secrets and 50,000 pods fit in bounded memory. Token values are dropped on arrival.
 */
import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import { boundYoungGeneration } from '../../kube/list-memory.js';
import type { KubeApi, ListOptions, Page } from '../../kube/types.js';
import { isForbidden, isNotFound } from '../../kube/errors.js';
import { analyzeSecret, INVALID_SINCE_LABEL, LAST_USED_LABEL, SA_NAME_ANNOTATION, SA_UID_ANNOTATION, type AnalyzeContext, type SaFacts } from './analyze.js';
import { scanTemplates } from './templates.js';
import { secretUses } from './usage.js';
import type { LegacyAction, LegacyTokenItem, LegacyTokenReport, OwnerRef, PodRef, TemplateRef } from './types.js';

export const TRACKING_CONFIGMAP = { namespace: 'kube-system', name: 'kube-apiserver-legacy-service-account-token-tracking' };
export const TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';

export interface ScanOptions {
  /** undefined = all namespaces. */
  namespace: string | undefined;
  chunkSize: number;
  periodDays: number;
  unusedForDays: number;
  now: number;
  progress: (message: string) => void;
}

/** Follows `continue` one page at a time so that only one page is held at once. */
export async function* pages<T>(list: (opts: ListOptions) => Promise<Page<T>>, base: ListOptions): AsyncGenerator<T[]> {
  let cont: string | undefined;
  do {
    // singlePage: without it the kube layer follows every `continue` itself and hands back the
    // whole list in one array (all 50,000 pods in memory at once; issue 8's scale benchmark).
    const page = await list({ ...base, singlePage: true, ...(cont ? { continue: cont } : {}) });
    await boundYoungGeneration();
    yield page.items;
    cont = page.continue || undefined;
  } while (cont);
}

interface Usage {
  mountedBy: PodRef[];
  envReferencedBy: PodRef[];
  /** The pods' direct owners; ReplicaSets are resolved to their Deployment afterwards. */
  owners: Map<string, OwnerRef>;
}

export async function scanLegacyTokens(api: KubeApi, o: ScanOptions): Promise<LegacyTokenReport> {
  const key = (ns: string, name: string) => `${ns}/${name}`;
  const tokenSecrets: V1Secret[] = [];
  const serviceAccounts = new Map<string, SaFacts>();
  const usage = new Map<string, Usage>();
  const templates = new Map<string, TemplateRef[]>();
  const counted = { secrets: 0, serviceaccounts: 0, pods: 0, workloads: 0 };
  const tick = () => o.progress(`scanned ${counted.secrets} token secrets, ${counted.serviceaccounts} serviceaccounts, ${counted.pods} pods, ${counted.workloads} workloads…`);

  const trackingSince = readTrackingSince(api);
  const secretsDone = (async () => {
    for await (const items of pages((opts) => api.listSecrets(o.namespace, opts), { limit: o.chunkSize, fieldSelector: `type=${TOKEN_SECRET_TYPE}` })) {
      for (const s of items) {
        if (s.type !== TOKEN_SECRET_TYPE) continue;
        tokenSecrets.push(slimSecret(s));
      }
      counted.secrets += items.length;
      tick();
    }
  })();
  const sasDone = (async () => {
    for await (const items of pages((opts) => api.listServiceAccounts(o.namespace, opts), { limit: o.chunkSize })) {
      for (const sa of items) {
        const m = sa.metadata ?? {};
        serviceAccounts.set(key(m.namespace ?? '', m.name ?? ''), {
          uid: m.uid ?? '',
          secrets: new Set((sa.secrets ?? []).map((r) => r.name ?? '').filter(Boolean)),
        });
      }
      counted.serviceaccounts += items.length;
      tick();
    }
  })();
  const podsDone = (async () => {
    for await (const items of pages((opts) => api.listPods(o.namespace, opts), { limit: o.chunkSize })) {
      for (const pod of items) {
        const ns = pod.metadata?.namespace ?? '';
        const podName = pod.metadata?.name ?? '';
        for (const use of secretUses(pod)) {
          const k = key(ns, use.secret);
          let u = usage.get(k);
          if (!u) usage.set(k, (u = { mountedBy: [], envReferencedBy: [], owners: new Map() }));
          (use.kind === 'volume' ? u.mountedBy : u.envReferencedBy).push({ namespace: ns, name: podName, how: use.how });
          for (const ref of pod.metadata?.ownerReferences ?? []) {
            if (ref.controller === false) continue;
            u.owners.set(`${ref.kind}/${ref.name}`, ownerOf(ref, ns));
          }
        }
      }
      counted.pods += items.length;
      tick();
    }
  })();
  // Pod templates: a Secret a workload would mount after a scale-up or its next run is in use too.
  // Each ReplicaSet's Deployment, from the same pages: pods' ReplicaSets resolve without a request.
  const replicaSetControllers = new Map<string, OwnerRef | null>();
  const templatesDone = scanTemplates(
    api,
    { namespace: o.namespace, chunkSize: o.chunkSize },
    (ns, secret, ref) => {
      const k = key(ns, secret);
      const list = templates.get(k);
      if (list) list.push(ref);
      else templates.set(k, [ref]);
    },
    (n) => {
      counted.workloads += n;
      tick();
    },
    (w) => {
      if (w.kind !== 'ReplicaSet') return;
      const dep = w.controller?.kind === 'Deployment' ? w.controller : undefined;
      replicaSetControllers.set(key(w.namespace, w.name), dep ? { kind: 'Deployment', name: dep.name, namespace: w.namespace, apiVersion: dep.apiVersion } : null);
    },
  );
  const [since] = await Promise.all([trackingSince, secretsDone, sasDone, podsDone, templatesDone]);
  o.progress('');

  // Usage of Secrets that are not tokens is dropped now; owners resolved (ReplicaSet → Deployment).
  const tokenKeys = new Set(tokenSecrets.map((s) => key(s.metadata?.namespace ?? '', s.metadata?.name ?? '')));
  for (const k of [...usage.keys()]) if (!tokenKeys.has(k)) usage.delete(k);
  for (const k of [...templates.keys()]) if (!tokenKeys.has(k)) templates.delete(k);
  const resolved = resolveOwners(usage, replicaSetControllers);

  const ctx: AnalyzeContext = {
    now: o.now,
    periodDays: o.periodDays,
    unusedForDays: o.unusedForDays,
    trackingSince: since,
    serviceAccount: (ns, name) => serviceAccounts.get(key(ns, name)),
    usage: (ns, name) => {
      const u = usage.get(key(ns, name));
      const t = templates.get(key(ns, name)) ?? [];
      return u
        ? { mountedBy: u.mountedBy, envReferencedBy: u.envReferencedBy, owners: resolved.get(key(ns, name)) ?? [], templates: t }
        : { mountedBy: [], envReferencedBy: [], owners: [], templates: t };
    },
  };
  const items = tokenSecrets.map((s) => analyzeSecret(s, ctx)).sort(byRisk);
  return { kind: 'LegacyTokenReport', trackingSince: since, cleanUpPeriodDays: o.periodDays, items, summary: summarize(items) };
}

/**
 * What analyzeSecret reads of a token Secret, nothing more: never the token itself (a credential we
 * have no use for), nor the rest of its metadata. Each kept Secret lives to the end of the scan,
 * 10,000 of them at issue 8's scale benchmark.
 */
function slimSecret(s: V1Secret): V1Secret {
  const m = s.metadata ?? {};
  const pick = (from: Record<string, string> | undefined, keys: string[]): Record<string, string> | undefined => {
    if (!from) return undefined;
    const out: Record<string, string> = {};
    for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
    return out;
  };
  return {
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
      annotations: pick(m.annotations, [SA_NAME_ANNOTATION, SA_UID_ANNOTATION]),
      labels: pick(m.labels, [LAST_USED_LABEL, INVALID_SINCE_LABEL]),
    },
    type: s.type,
  };
}

function ownerOf(ref: V1OwnerReference, namespace: string): OwnerRef {
  return { kind: ref.kind, name: ref.name, namespace, apiVersion: ref.apiVersion };
}

/** The tracking ConfigMap's `since`; absent or unreadable → null (dates are then unknown). */
async function readTrackingSince(api: KubeApi): Promise<string | null> {
  try {
    const cm = await api.readConfigMap(TRACKING_CONFIGMAP.namespace, TRACKING_CONFIGMAP.name);
    return cm.data?.since ?? null;
  } catch (e) {
    if (isNotFound(e) || isForbidden(e)) return null;
    throw e;
  }
}

/**
 * A ReplicaSet owned by a Deployment is reported as the Deployment (that is what to patch). The
 * template scan LISTed every ReplicaSet with its controller (`controllers`), so no request is made
 * per ReplicaSet. One not listed (gone since the pods were listed) is reported as itself.
 */
function resolveOwners(usage: Map<string, Usage>, controllers: Map<string, OwnerRef | null>): Map<string, OwnerRef[]> {
  const resolvedRs = new Map<string, OwnerRef>();
  for (const u of usage.values()) {
    for (const o of u.owners.values()) {
      if (o.kind !== 'ReplicaSet') continue;
      const k = `${o.namespace}/${o.name}`;
      resolvedRs.set(k, controllers.get(k) ?? o);
    }
  }
  const out = new Map<string, OwnerRef[]>();
  for (const [k, u] of usage) {
    const owners = [...u.owners.values()].map((o) => (o.kind === 'ReplicaSet' ? (resolvedRs.get(`${o.namespace}/${o.name}`) ?? o) : o));
    const unique = new Map(owners.map((o) => [`${o.kind}/${o.name}`, o]));
    out.set(k, [...unique.values()]);
  }
  return out;
}

function byRisk(a: LegacyTokenItem, b: LegacyTokenItem): number {
  return b.risk - a.risk || a.namespace.localeCompare(b.namespace) || a.secret.localeCompare(b.secret);
}

function summarize(items: LegacyTokenItem[]): LegacyTokenReport['summary'] {
  const byAction: Record<LegacyAction, number> = { delete: 0, 'switch-to-projected': 0, 'replace-with-tokenrequest': 0, keep: 0, review: 0 };
  for (const i of items) byAction[i.action]++;
  return {
    secrets: items.length,
    autoGenerated: items.filter((i) => i.autoGenerated).length,
    manual: items.filter((i) => !i.autoGenerated).length,
    inUseByPods: items.filter((i) => i.mountedBy.length + i.envReferencedBy.length > 0).length,
    invalidated: items.filter((i) => i.invalidSince !== null).length,
    byAction,
  };
}
