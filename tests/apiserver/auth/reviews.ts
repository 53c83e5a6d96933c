/**
 * The authorization review kinds (authorization.k8s.io/v1), answered by the RBAC authorizer:
 * SelfSubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview (`can-i --list`),
 * SubjectAccessReview and LocalSubjectAccessReview.
 */
import type { Cluster } from '../cluster';
import { badRequest } from '../errors';
import { authorize, Attributes, rulesFor } from './rbac';
import type { UserInfo } from './user';

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

function decide(cluster: Cluster, user: UserInfo, spec: any): { allowed: boolean; reason?: string } {
  const ra: ResourceAttributes | undefined = spec?.resourceAttributes;
  const nra: { path?: string; verb?: string } | undefined = spec?.nonResourceAttributes;
  let attrs: Attributes;
  if (ra) {
    attrs = { user, verb: ra.verb ?? '', isResourceRequest: true, namespace: ra.namespace || undefined, group: ra.group ?? '', resource: ra.resource ?? '', subresource: ra.subresource || undefined, name: ra.name || undefined };
  } else if (nra) {
    attrs = { user, verb: nra.verb ?? '', isResourceRequest: false, path: nra.path ?? '' };
  } else {
    throw badRequest('exactly one of nonResourceAttributes or resourceAttributes must be specified');
  }
  const d = authorize(cluster.store, attrs);
  return d.reason ? { allowed: d.allowed, reason: d.reason } : { allowed: d.allowed };
}

function review(kind: string, body: any, status: object): object {
  return {
    kind,
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null, ...(body?.metadata?.namespace ? { namespace: body.metadata.namespace } : {}) },
    spec: body?.spec ?? {},
    status,
  };
}

export function registerAuthorizationReviews(cluster: Cluster): void {
  cluster.handlers.set('authorization.k8s.io/selfsubjectaccessreviews', ({ user, body }) => ({
    body: review('SelfSubjectAccessReview', body, decide(cluster, user, body.spec)),
  }));
  cluster.handlers.set('authorization.k8s.io/subjectaccessreviews', ({ body }) => {
    const s = body.spec ?? {};
    const user: UserInfo = { username: s.user ?? '', uid: s.uid, groups: s.groups ?? [], extra: s.extra };
    return { body: review('SubjectAccessReview', body, decide(cluster, user, s)) };
  });
  cluster.handlers.set('authorization.k8s.io/localsubjectaccessreviews', ({ body, namespace }) => {
    const s = body.spec ?? {};
    if (s.resourceAttributes) s.resourceAttributes.namespace = namespace;
    const user: UserInfo = { username: s.user ?? '', uid: s.uid, groups: s.groups ?? [], extra: s.extra };
    return { body: review('LocalSubjectAccessReview', { ...body, metadata: { ...(body.metadata ?? {}), namespace } }, decide(cluster, user, s)) };
  });
  cluster.handlers.set('authorization.k8s.io/selfsubjectrulesreviews', ({ user, body }) => {
    const ns = body.spec?.namespace ?? '';
    const { rules, errors } = rulesFor(cluster.store, user, ns);
    const resourceRules = rules
      .filter((r) => !r.nonResourceURLs?.length)
      .map((r) => ({ verbs: r.verbs, ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}), ...(r.resources ? { resources: r.resources } : {}), ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
    const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
    return {
      body: {
        kind: 'SelfSubjectRulesReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: body.spec ?? {},
        status: { resourceRules, nonResourceRules, incomplete: errors.length > 0, ...(errors.length ? { evaluationError: errors.join(', ') } : {}) },
      },
    };
  });
}
