/**
 * The two controllers around legacy (Secret-based) ServiceAccount tokens, on the emulated clock.
 *
 * Tracking (pkg/controlplane/controller/legacytokentracking/controller.go syncConfigMap): the
 * ConfigMap kube-system/kube-apiserver-legacy-service-account-token-tracking holds `since: <date>`
 * (UTC `2006-01-02`), the day the API server started writing last-used labels. Deleted, it is
 * created again with today's date; a `since` that does not parse is replaced by today's date.
 * Not emulated: the creation rate limiter (it only matters with several API servers).
 *
 * Cleaner (pkg/controller/serviceaccount/legacy_serviceaccount_token_cleaner.go evaluateSATokens),
 * with kube-controller-manager's default --legacy-service-account-token-clean-up-period of one year:
 * nothing until a year after the day after `since`; then every `kubernetes.io/service-account-token`
 * Secret created over a year ago, not being deleted, whose last-used label (when present and a valid
 * date) is older than a year ago's date, whose ServiceAccount (annotation name, uid when given) lists
 * it in `secrets`, and that no pod of its namespace references (podutil.VisitPodSecretNames), gets
 * `kubernetes.io/legacy-token-invalid-since: <today>`; one whose valid invalid-since date is older
 * than a year ago's date is deleted (with a resourceVersion precondition).
 * Upstream evaluates every 24 h; the emulator evaluates after every clock advance, and after a jump
 * it dates the label the day the Secret became eligible (not the day of the jump) and deletes it in
 * the same pass when a year has passed since — what a controller running all along would have done.
 */
import { SA_NAME_ANNOTATION, SA_TOKEN_TYPE, SA_UID_ANNOTATION } from '../admission/secret';
import { LEGACY_TRACKING_CONFIGMAP } from '../bootstrap';
import type { Cluster } from '../cluster';
import type { KubeObject, StoreEvent } from '../store/types';
import { INVALID_SINCE_LABEL, LAST_USED_LABEL } from '../tokens/authenticate';

export const CLEAN_UP_PERIOD_MS = 365 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

const dateOf = (t: number) => new Date(t).toISOString().slice(0, 10);
/** time.Parse("2006-01-02", s): midnight UTC of a valid date, else undefined. */
function parseDate(s: string | undefined): number | undefined {
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return undefined;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isNaN(t) || dateOf(t) !== s ? undefined : t;
}

export function trackingController(cluster: Cluster, e: StoreEvent): void {
  if (e.group !== '' || e.resource !== 'configmaps' || e.object.metadata.namespace !== 'kube-system' || e.object.metadata.name !== LEGACY_TRACKING_CONFIGMAP) return;
  const t = cluster.type('', 'configmaps');
  const today = dateOf(cluster.clock.now().getTime());
  if (e.type === 'DELETED') {
    if (!cluster.store.get(t, 'kube-system', LEGACY_TRACKING_CONFIGMAP)) {
      cluster.store.create(t, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: LEGACY_TRACKING_CONFIGMAP, namespace: 'kube-system' }, data: { since: today } });
    }
    return;
  }
  if (parseDate(e.object.data?.since) !== undefined) return;
  const next = structuredClone(e.object);
  next.data = { ...(next.data ?? {}), since: today };
  delete next.metadata.resourceVersion;
  cluster.store.update(t, next);
}

/** Names of the Secrets the pods of a namespace reference (volumes, projected secrets, env, envFrom, imagePullSecrets). */
function referencedSecrets(cluster: Cluster, ns: string): Set<string> {
  const out = new Set<string>();
  for (const pod of cluster.store.list(cluster.type('', 'pods'), ns).items) {
    const spec = pod.spec ?? {};
    for (const r of spec.imagePullSecrets ?? []) out.add(r.name);
    for (const v of spec.volumes ?? []) {
      if (v.secret?.secretName) out.add(v.secret.secretName);
      for (const s of v.projected?.sources ?? []) if (s.secret?.name) out.add(s.secret.name);
      // other volume types with secretRef (CSI, Ceph, …) are not emulated
    }
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) {
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) out.add(e.valueFrom.secretKeyRef.name);
      for (const e of c.envFrom ?? []) if (e.secretRef?.name) out.add(e.secretRef.name);
    }
  }
  return out;
}

export class LegacyTokenCleaner {
  /** The time of the previous evaluation: a Secret cannot have become eligible before it was looked at. */
  private last: number;

  constructor(private readonly cluster: Cluster) {
    this.last = cluster.clock.now().getTime();
  }

  evaluate(): void {
    const cluster = this.cluster;
    const now = cluster.clock.now().getTime();
    const prev = this.last;
    this.last = now;
    const cm = cluster.get('', 'configmaps', 'kube-system', LEGACY_TRACKING_CONFIGMAP);
    const since = parseDate(cm?.data?.since);
    if (since === undefined) return;
    const trackedSince = since + DAY_MS;
    if (now < trackedSince + CLEAN_UP_PERIOD_MS) return;
    const preserveUsedOnOrAfter = dateOf(now - CLEAN_UP_PERIOD_MS);
    const secrets = cluster.type('', 'secrets');
    const mounted = new Map<string, Set<string>>();
    for (const secret of [...cluster.store.list(secrets, undefined, { fieldSelector: `type=${SA_TOKEN_TYPE}` }).items]) {
      const created = Date.parse(secret.metadata.creationTimestamp ?? '');
      if (!(created < now - CLEAN_UP_PERIOD_MS) || secret.metadata.deletionTimestamp) continue;
      const lastUsedLabel = secret.metadata.labels?.[LAST_USED_LABEL];
      let lastUsed: number | undefined;
      if (lastUsedLabel !== undefined) {
        lastUsed = parseDate(lastUsedLabel);
        if (lastUsed === undefined || lastUsedLabel >= preserveUsedOnOrAfter) continue;
      }
      if (!this.autoGenerated(secret)) continue;
      const ns = secret.metadata.namespace!;
      if (!mounted.has(ns)) mounted.set(ns, referencedSecrets(cluster, ns));
      if (mounted.get(ns)!.has(secret.metadata.name)) continue;
      let invalidSince = secret.metadata.labels?.[INVALID_SINCE_LABEL];
      if (parseDate(invalidSince) === undefined) {
        // When it became eligible: not before the last look, the tracking start + a year, its
        // creation + a year, nor (labelled) the day after its last use + a year.
        const eligible = Math.max(prev, trackedSince + CLEAN_UP_PERIOD_MS, created + CLEAN_UP_PERIOD_MS + 1, lastUsed === undefined ? 0 : lastUsed + DAY_MS + CLEAN_UP_PERIOD_MS);
        invalidSince = dateOf(Math.min(eligible, now));
        const next = structuredClone(secret);
        next.metadata.labels = { ...(next.metadata.labels ?? {}), [INVALID_SINCE_LABEL]: invalidSince };
        delete next.metadata.resourceVersion;
        const updated = cluster.store.update(secrets, next);
        // the next sync (24 h later upstream) would delete it if a year has passed since that day
        if (!(invalidSince < preserveUsedOnOrAfter)) continue;
        cluster.store.delete(secrets, ns, updated.metadata.name, { resourceVersion: updated.metadata.resourceVersion });
        continue;
      }
      if (invalidSince! >= preserveUsedOnOrAfter) continue;
      cluster.store.delete(secrets, ns, secret.metadata.name, { resourceVersion: secret.metadata.resourceVersion });
    }
  }

  /** getServiceAccount + hasSecretReference: the named ServiceAccount (same uid when annotated) lists the Secret. */
  private autoGenerated(secret: KubeObject): boolean {
    const saName = secret.metadata.annotations?.[SA_NAME_ANNOTATION];
    if (!saName) return false;
    const sa = this.cluster.get('', 'serviceaccounts', secret.metadata.namespace, saName);
    if (!sa) return false;
    const uid = secret.metadata.annotations?.[SA_UID_ANNOTATION];
    if (uid && uid !== sa.metadata.uid) return false;
    return (sa.secrets ?? []).some((r: { name?: string }) => r.name === secret.metadata.name);
  }
}
