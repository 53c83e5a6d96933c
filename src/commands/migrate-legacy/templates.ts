/**
 * Secrets that workload pod templates use. A Deployment scaled to 0, a suspended or idle CronJob,
 * an old ReplicaSet a rollback returns to: none has a pod now, each makes one that mounts the
 * Secret later. So a Secret any template references counts as used, whatever the replica count.
 * Read with paginated LISTs, keeping only the references (bounded memory).
 */
import type { V1OwnerReference, V1PodSpec } from '@kubernetes/client-node';
import { isNotFound } from '../../kube/errors.js';
import { listPages } from '../../kube/list.js';
import type { KubeApi, Page } from '../../kube/types.js';
import { specSecretUses } from './usage.js';
import type { TemplateRef } from './types.js';

interface WorkloadKind {
  kind: string;
  group: string;
  resource: string;
  podSpec(o: any): V1PodSpec | undefined;
  /** Replicas the workload asks for now, where the kind has a count. */
  replicas?(o: any): number;
}

const template = (o: any) => o?.spec?.template?.spec;
const replicas = (o: any) => (typeof o?.spec?.replicas === 'number' ? o.spec.replicas : 1);

/** Every built-in kind with a pod template (upstream's pkg/apis/{apps,batch,core}). */
export const WORKLOAD_KINDS: WorkloadKind[] = [
  { kind: 'Deployment', group: 'apps', resource: 'deployments', podSpec: template, replicas },
  { kind: 'StatefulSet', group: 'apps', resource: 'statefulsets', podSpec: template, replicas },
  { kind: 'DaemonSet', group: 'apps', resource: 'daemonsets', podSpec: template },
  { kind: 'ReplicaSet', group: 'apps', resource: 'replicasets', podSpec: template, replicas },
  { kind: 'ReplicationController', group: '', resource: 'replicationcontrollers', podSpec: template, replicas },
  { kind: 'Job', group: 'batch', resource: 'jobs', podSpec: template },
  { kind: 'CronJob', group: 'batch', resource: 'cronjobs', podSpec: (o) => o?.spec?.jobTemplate?.spec?.template?.spec },
];

type Item = { metadata?: { name?: string; namespace?: string; ownerReferences?: V1OwnerReference[] }; spec?: any };

/**
 * Calls `found` for each (workload, Secret it references) in `namespace` (undefined: all), one
 * kind after another, page by page.
 */
export async function scanTemplates(
  api: KubeApi,
  o: { namespace: string | undefined; chunkSize: number },
  found: (namespace: string, secret: string, ref: TemplateRef) => void,
  counted?: (n: number) => void,
  each?: (w: { kind: string; namespace: string; name: string; controller?: TemplateRef['controller'] }) => void,
): Promise<void> {
  for (const w of WORKLOAD_KINDS) {
    const root = w.group ? `/apis/${w.group}/v1` : '/api/v1';
    const base = `${root}${o.namespace !== undefined ? `/namespaces/${encodeURIComponent(o.namespace)}` : ''}/${w.resource}?limit=${o.chunkSize}`;
    const fetchPage = async (cont: string | undefined): Promise<Page<Item>> => {
      const r = (await api.request('GET', cont ? `${base}&continue=${encodeURIComponent(cont)}` : base)) as { items?: Item[]; metadata?: { continue?: string } } | undefined;
      return { items: r?.items ?? [], continue: r?.metadata?.continue || undefined };
    };
    const pages = listPages(fetchPage);
    for (;;) {
      let next: IteratorResult<Page<Item>>;
      try {
        next = await pages.next();
      } catch (e) {
        // A kind the server does not serve (404 on the collection) has no objects to use the Secret.
        if (isNotFound(e)) break;
        throw e;
      }
      if (next.done) break;
      const page = next.value;
      for (const obj of page.items) {
        const ns = obj.metadata?.namespace ?? o.namespace ?? '';
        const name = obj.metadata?.name ?? '';
        const owner = obj.metadata?.ownerReferences?.find((r) => r.controller !== false);
        each?.({ kind: w.kind, namespace: ns, name, ...(owner ? { controller: { kind: owner.kind, name: owner.name, apiVersion: owner.apiVersion } } : {}) });
        for (const use of specSecretUses(w.podSpec(obj))) {
          found(ns, use.secret, {
            kind: w.kind,
            name,
            namespace: ns,
            apiVersion: w.group ? `${w.group}/v1` : 'v1',
            how: use.how,
            kindOfUse: use.kind,
            ...(w.replicas ? { replicas: w.replicas(obj) } : {}),
            ...(owner ? { controller: { kind: owner.kind, name: owner.name, apiVersion: owner.apiVersion } } : {}),
          });
        }
      }
      counted?.(page.items.length);
    }
  }
}

/** `deployment/idle (0 replicas)`, `cronjob/nightly`: how the report names a template's user. */
export function describeTemplate(t: TemplateRef): string {
  const of = t.controller ? `, of ${t.controller.kind.toLowerCase()}/${t.controller.name}` : '';
  const n = t.replicas !== undefined ? `${t.replicas} replica${t.replicas === 1 ? '' : 's'}` : '';
  const extra = [n, of.slice(2)].filter(Boolean).join(', ');
  return `${t.kind.toLowerCase()}/${t.name}${extra ? ` (${extra})` : ''}`;
}
