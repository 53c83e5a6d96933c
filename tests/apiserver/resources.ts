/**
 * The resource types the emulator serves, with what discovery and RBAC need to know of each.
 * One table drives discovery documents, the router and the store.
 */

export interface ResourceType {
  /** Plural, as in URLs and RBAC rules. */
  resource: string;
  singular: string;
  kind: string;
  /** '' for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  /** Subresources served under this resource (discovery lists them as `resource/sub`). */
  subresources?: Array<{ name: string; kind: string; group?: string; version?: string; verbs: string[] }>;
  /** Create-only virtual resources (reviews) are never stored. */
  virtual?: boolean;
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE_ONLY = ['create'];

function r(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    resource,
    kind,
    namespaced,
    singular: kind.toLowerCase(),
    verbs: CRUD,
    ...extra,
  };
}

const status = (kind: string) => ({ name: 'status', kind, verbs: ['get', 'patch', 'update'] });

export const RESOURCES: ResourceType[] = [
  r('', 'v1', 'namespaces', 'Namespace', false, {
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [status('Namespace')],
  }),
  r('', 'v1', 'pods', 'Pod', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      status('Pod'),
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
    ],
  }),
  r('', 'v1', 'serviceaccounts', 'ServiceAccount', true, {
    shortNames: ['sa'],
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  }),
  r('', 'v1', 'secrets', 'Secret', true),
  r('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  r('', 'v1', 'nodes', 'Node', false, { shortNames: ['no'], subresources: [status('Node')] }),
  r('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  r('', 'v1', 'replicationcontrollers', 'ReplicationController', true, { shortNames: ['rc'], categories: ['all'], subresources: [status('ReplicationController')] }),
  r('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  r('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  r('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  r('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  r('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'], subresources: [status('Deployment')] }),
  r('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'], subresources: [status('ReplicaSet')] }),
  r('apps', 'v1', 'statefulsets', 'StatefulSet', true, { shortNames: ['sts'], categories: ['all'], subresources: [status('StatefulSet')] }),
  r('apps', 'v1', 'daemonsets', 'DaemonSet', true, { shortNames: ['ds'], categories: ['all'], subresources: [status('DaemonSet')] }),
  r('batch', 'v1', 'jobs', 'Job', true, { categories: ['all'], subresources: [status('Job')] }),
  r('batch', 'v1', 'cronjobs', 'CronJob', true, { shortNames: ['cj'], categories: ['all'], subresources: [status('CronJob')] }),
  r('authentication.k8s.io', 'v1', 'tokenreviews', 'TokenReview', false, { verbs: CREATE_ONLY, virtual: true }),
  r('authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', false, { verbs: CREATE_ONLY, virtual: true }),
  r('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, { verbs: CREATE_ONLY, virtual: true }),
  r('authorization.k8s.io', 'v1', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, { verbs: CREATE_ONLY, virtual: true }),
  r('authorization.k8s.io', 'v1', 'subjectaccessreviews', 'SubjectAccessReview', false, { verbs: CREATE_ONLY, virtual: true }),
  r('authorization.k8s.io', 'v1', 'localsubjectaccessreviews', 'LocalSubjectAccessReview', true, { verbs: CREATE_ONLY, virtual: true }),
];

/** Groups in the order /apis lists them (core first, as the real server does). */
export const GROUPS: Array<{ group: string; version: string }> = [];
for (const t of RESOURCES) {
  if (t.group !== '' && !GROUPS.some((g) => g.group === t.group)) GROUPS.push({ group: t.group, version: t.version });
}

export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

const byPath = new Map<string, ResourceType>();
const byKind = new Map<string, ResourceType>();
for (const t of RESOURCES) {
  byPath.set(`${t.group}/${t.resource}`, t);
  byKind.set(`${apiVersionOf(t)}/${t.kind}`, t);
}

export function findResource(group: string, resource: string): ResourceType | undefined {
  return byPath.get(`${group}/${resource}`);
}

/** The type of an object given its apiVersion and kind (for --objects and List bodies). */
export function findKind(apiVersion: string, kind: string): ResourceType | undefined {
  return byKind.get(`${apiVersion}/${kind}`);
}
