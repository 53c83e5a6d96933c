/**
 * The RBAC authorizer over the stored Roles, ClusterRoles and their bindings, as upstream's
 * plugin/pkg/auth/authorizer/rbac: a request is allowed when any rule of any role bound to the
 * user (by name, group or ServiceAccount) covers it. `system:masters` bypasses RBAC, as upstream's
 * privileged-group authorizer does.
 */
import { findResource } from '../resources';
import type { Store } from '../store/store';
import type { KubeObject } from '../store/types';
import type { UserInfo } from './user';

/** The attributes RBAC decides on (authorizer.Attributes). */
export interface Attributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  namespace?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  /** For non-resource requests. */
  path?: string;
}

export interface Decision {
  allowed: boolean;
  /** Upstream's reason text: "RBAC: allowed by …" or the aggregated lookup errors on a deny. */
  reason: string;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

const CLUSTER_ROLES = findResource('rbac.authorization.k8s.io', 'clusterroles')!;
const CLUSTER_ROLE_BINDINGS = findResource('rbac.authorization.k8s.io', 'clusterrolebindings')!;
const ROLES = findResource('rbac.authorization.k8s.io', 'roles')!;
const ROLE_BINDINGS = findResource('rbac.authorization.k8s.io', 'rolebindings')!;

function has(list: string[] | undefined, v: string): boolean {
  return !!list && (list.includes('*') || list.includes(v));
}

function resourceMatches(rule: PolicyRule, resource: string, subresource?: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.isResourceRequest) return nonResourceURLMatches(rule, a.path ?? '');
  return (
    has(rule.apiGroups, a.group ?? '') &&
    resourceMatches(rule, a.resource ?? '', a.subresource) &&
    (!rule.resourceNames?.length || (!!a.name && rule.resourceNames.includes(a.name)))
  );
}

function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.username;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns !== '' && user.username === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace || bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

/** Walks every rule that applies to the user in a namespace; stops when `visit` returns true. */
function visitRules(
  store: Store,
  user: UserInfo,
  namespace: string | undefined,
  visit: (rule: PolicyRule, source: string) => boolean,
  errors: string[],
): boolean {
  const roleRules = (ref: { kind: string; name: string }, ns: string): PolicyRule[] | undefined => {
    const role = ref.kind === 'ClusterRole' ? store.get(CLUSTER_ROLES, undefined, ref.name) : store.get(ROLES, ns, ref.name);
    if (!role) {
      errors.push(ref.kind === 'ClusterRole' ? `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found` : `role.rbac.authorization.k8s.io "${ref.name}" not found`);
      return undefined;
    }
    return (role.rules as PolicyRule[] | undefined) ?? [];
  };
  for (const b of store.list(CLUSTER_ROLE_BINDINGS, undefined).items) {
    const subject = ((b.subjects as Subject[] | undefined) ?? []).find((s) => subjectMatches(s, user, ''));
    if (!subject) continue;
    const rules = roleRules(b.roleRef, '');
    if (!rules) continue;
    const source = `ClusterRoleBinding "${b.metadata.name}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject, '')}`;
    for (const r of rules) if (visit(r, source)) return true;
  }
  if (namespace) {
    for (const b of store.list(ROLE_BINDINGS, namespace).items) {
      const subject = ((b.subjects as Subject[] | undefined) ?? []).find((s) => subjectMatches(s, user, namespace));
      if (!subject) continue;
      const rules = roleRules(b.roleRef, namespace);
      if (!rules) continue;
      const source = `RoleBinding "${b.metadata.name}/${namespace}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject, namespace)}`;
      for (const r of rules) if (visit(r, source)) return true;
    }
  }
  return false;
}

export function authorize(store: Store, a: Attributes): Decision {
  if (a.user.groups.includes('system:masters')) return { allowed: true, reason: '' };
  const errors: string[] = [];
  let reason = '';
  const allowed = visitRules(
    store,
    a.user,
    a.namespace,
    (rule, source) => {
      if (!ruleAllows(rule, a)) return false;
      reason = `RBAC: allowed by ${source}`;
      return true;
    },
    errors,
  );
  if (allowed) return { allowed, reason };
  return { allowed: false, reason: errors.length ? `RBAC: ${errors.length > 1 ? '[' + errors.join(', ') + ']' : errors[0]}` : '' };
}

/** Every rule that applies to a user in a namespace (SelfSubjectRulesReview). */
export function rulesFor(store: Store, user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
  if (user.groups.includes('system:masters')) {
    return { rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }], errors: [] };
  }
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRules(store, user, namespace, (r) => (rules.push(r), false), errors);
  return { rules, errors };
}

/** The forbidden message of endpoints/handlers/responsewriters (without the "<res> is forbidden: " lead). */
export function forbiddenMessage(a: Attributes): string {
  if (!a.isResourceRequest) return `User "${a.user.username}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (a.namespace) {
    return `User "${a.user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.group ?? ''}" in the namespace "${a.namespace}"`;
  }
  return `User "${a.user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.group ?? ''}" at the cluster scope`;
}

export type { KubeObject };
