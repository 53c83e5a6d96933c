/**
 * Server-side printing (`Accept: …;as=Table;g=meta.k8s.io;v=v1`), which `kubectl get` asks for: the
 * columns of upstream's pkg/printers/internalversion for the kinds we serve.
 */
import type { ResourceType } from '../resources';
import type { KubeObject } from '../store/types';

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept);
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

type Cell = string | number | boolean;
interface Column {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean';
  format?: string;
  priority?: number;
  cell: (o: any, age: (t?: string) => string) => Cell;
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name };
const AGE: Column = { name: 'Age', type: 'string', cell: (o, age) => age(o.metadata.creationTimestamp) };
const none = (v: unknown): string => (v === undefined || v === null || v === '' ? '<none>' : String(v));

function podStatus(o: any): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  const waiting = (o.status?.containerStatuses ?? []).find((c: any) => c.state?.waiting?.reason);
  if (waiting) return waiting.state.waiting.reason;
  const terminated = (o.status?.containerStatuses ?? []).find((c: any) => c.state?.terminated?.reason);
  if (terminated && o.status?.phase !== 'Running') return terminated.state.terminated.reason;
  return o.status?.reason ?? o.status?.phase ?? 'Pending';
}

function roleRef(o: any): string {
  return `${o.roleRef?.kind}/${o.roleRef?.name}`;
}

function subjects(kind: string) {
  return (o: any) => {
    const names = (o.subjects ?? []).filter((s: any) => s.kind === kind).map((s: any) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name));
    return names.length ? names.join(', ') : '';
  };
}

const COLUMNS: Record<string, Column[]> = {
  Pod: [
    NAME,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => `${(o.status?.containerStatuses ?? []).filter((c: any) => c.ready).length}/${(o.spec?.containers ?? []).length}`,
    },
    { name: 'Status', type: 'string', cell: podStatus },
    { name: 'Restarts', type: 'string', cell: (o) => String((o.status?.containerStatuses ?? []).reduce((n: number, c: any) => n + (c.restartCount ?? 0), 0)) },
    AGE,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => none(o.status?.podIP) },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => none(o.spec?.nodeName) },
    { name: 'Nominated Node', type: 'string', priority: 1, cell: (o) => none(o.status?.nominatedNodeName) },
    { name: 'Readiness Gates', type: 'string', priority: 1, cell: (o) => none(o.spec?.readinessGates?.length ? o.spec.readinessGates.length : '') },
  ],
  Namespace: [NAME, { name: 'Status', type: 'string', cell: (o) => o.status?.phase ?? 'Active' }, AGE],
  ServiceAccount: [NAME, { name: 'Secrets', type: 'integer', cell: (o) => (o.secrets ?? []).length }, AGE],
  Secret: [
    NAME,
    { name: 'Type', type: 'string', cell: (o) => o.type ?? 'Opaque' },
    { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.stringData ?? {}).length },
    AGE,
  ],
  ConfigMap: [NAME, { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length }, AGE],
  Node: [
    NAME,
    {
      name: 'Status',
      type: 'string',
      cell: (o) => {
        const ready = (o.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
        const s = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
        return o.spec?.unschedulable ? `${s},SchedulingDisabled` : s;
      },
    },
    {
      name: 'Roles',
      type: 'string',
      cell: (o) => {
        const roles = Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice(24));
        return roles.length ? roles.sort().join(',') : '<none>';
      },
    },
    AGE,
    { name: 'Version', type: 'string', cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    { name: 'Internal-IP', type: 'string', priority: 1, cell: (o) => none((o.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address) },
    { name: 'External-IP', type: 'string', priority: 1, cell: (o) => none((o.status?.addresses ?? []).find((a: any) => a.type === 'ExternalIP')?.address) },
    { name: 'OS-Image', type: 'string', priority: 1, cell: (o) => o.status?.nodeInfo?.osImage ?? '<unknown>' },
    { name: 'Kernel-Version', type: 'string', priority: 1, cell: (o) => o.status?.nodeInfo?.kernelVersion ?? '<unknown>' },
    { name: 'Container-Runtime', type: 'string', priority: 1, cell: (o) => o.status?.nodeInfo?.containerRuntimeVersion ?? '<unknown>' },
  ],
  Event: [
    { name: 'Last Seen', type: 'string', cell: (o, age) => age(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp) },
    { name: 'Type', type: 'string', cell: (o) => o.type ?? '' },
    { name: 'Reason', type: 'string', cell: (o) => o.reason ?? '' },
    { name: 'Object', type: 'string', cell: (o) => `${(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}` },
    { name: 'Subobject', type: 'string', priority: 1, cell: (o) => o.involvedObject?.fieldPath ?? '' },
    { name: 'Source', type: 'string', priority: 1, cell: (o) => [o.source?.component, o.source?.host].filter(Boolean).join(', ') },
    { name: 'Message', type: 'string', cell: (o) => (o.message ?? '').trim() },
    { name: 'First Seen', type: 'string', priority: 1, cell: (o, age) => age(o.firstTimestamp ?? o.metadata.creationTimestamp) },
    { name: 'Count', type: 'string', priority: 1, cell: (o) => String(o.count ?? 1) },
    { name: 'Name', type: 'string', priority: 1, cell: (o) => o.metadata.name },
  ],
  Role: [NAME, { name: 'Created At', type: 'date', cell: (o) => o.metadata.creationTimestamp }],
  ClusterRole: [NAME, { name: 'Created At', type: 'date', cell: (o) => o.metadata.creationTimestamp }],
  RoleBinding: [
    NAME,
    { name: 'Role', type: 'string', cell: roleRef },
    AGE,
    { name: 'Users', type: 'string', priority: 1, cell: subjects('User') },
    { name: 'Groups', type: 'string', priority: 1, cell: subjects('Group') },
    { name: 'ServiceAccounts', type: 'string', priority: 1, cell: subjects('ServiceAccount') },
  ],
  Deployment: [
    NAME,
    { name: 'Ready', type: 'string', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (o) => o.status?.availableReplicas ?? 0 },
    AGE,
  ],
  ReplicaSet: [
    NAME,
    { name: 'Desired', type: 'integer', cell: (o) => o.spec?.replicas ?? 1 },
    { name: 'Current', type: 'integer', cell: (o) => o.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (o) => o.status?.readyReplicas ?? 0 },
    AGE,
  ],
  StatefulSet: [NAME, { name: 'Ready', type: 'string', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}` }, AGE],
  DaemonSet: [
    NAME,
    { name: 'Desired', type: 'integer', cell: (o) => o.status?.desiredNumberScheduled ?? 0 },
    { name: 'Current', type: 'integer', cell: (o) => o.status?.currentNumberScheduled ?? 0 },
    { name: 'Ready', type: 'integer', cell: (o) => o.status?.numberReady ?? 0 },
    { name: 'Up-to-date', type: 'integer', cell: (o) => o.status?.updatedNumberScheduled ?? 0 },
    { name: 'Available', type: 'integer', cell: (o) => o.status?.numberAvailable ?? 0 },
    { name: 'Node Selector', type: 'string', cell: (o) => none(Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')) },
    AGE,
  ],
  Job: [
    NAME,
    { name: 'Status', type: 'string', cell: (o) => ((o.status?.conditions ?? []).some((c: any) => c.type === 'Complete' && c.status === 'True') ? 'Complete' : 'Running') },
    { name: 'Completions', type: 'string', cell: (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}` },
    { name: 'Duration', type: 'string', cell: () => '' },
    AGE,
  ],
  CronJob: [
    NAME,
    { name: 'Schedule', type: 'string', cell: (o) => o.spec?.schedule ?? '' },
    { name: 'Timezone', type: 'string', cell: (o) => none(o.spec?.timeZone) },
    { name: 'Suspend', type: 'boolean', cell: (o) => !!o.spec?.suspend },
    { name: 'Active', type: 'integer', cell: (o) => (o.status?.active ?? []).length },
    { name: 'Last Schedule', type: 'string', cell: (o, age) => (o.status?.lastScheduleTime ? age(o.status.lastScheduleTime) : '<none>') },
    AGE,
  ],
};
COLUMNS.ClusterRoleBinding = COLUMNS.RoleBinding;

export function toTable(t: ResourceType, items: KubeObject[], resourceVersion: string, now: Date, query: URLSearchParams): Record<string, any> {
  const columns = COLUMNS[t.kind] ?? [NAME, AGE];
  const age = (ts?: string) => (ts ? humanDuration(now.getTime() - Date.parse(ts)) : '<unknown>');
  const include = query.get('includeObject') ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: '',
      priority: c.priority ?? 0,
    })),
    rows: items.map((o) => ({
      cells: columns.map((c) => c.cell(o, age)),
      ...(include === 'None'
        ? {}
        : { object: include === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
    })),
  };
}
