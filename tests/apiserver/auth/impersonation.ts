/**
 * Impersonation headers (Impersonate-User, Impersonate-Group, Impersonate-Uid), checked against
 * the `impersonate` verb as upstream's WithImpersonation filter does.
 */
import type { IncomingMessage } from 'node:http';
import type { Cluster } from '../cluster';
import { StatusError } from '../errors';
import { authorize, Attributes } from './rbac';
import { forbidden } from './forbidden';
import { serviceAccountGroups, serviceAccountOf, UserInfo } from './user';

function headerList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
}

export function impersonate(cluster: Cluster, req: IncomingMessage, actor: UserInfo): UserInfo {
  const username = headerList(req.headers['impersonate-user'])[0];
  const groups = headerList(req.headers['impersonate-group']);
  const uid = headerList(req.headers['impersonate-uid'])[0];
  if (!username) {
    throw new StatusError(500, 'InternalError', 'Internal error occurred: requested [Impersonate-Group] without impersonating a user', {});
  }
  const check = (a: Omit<Attributes, 'user' | 'verb' | 'isResourceRequest'>) => {
    const attrs: Attributes = { user: actor, verb: 'impersonate', isResourceRequest: true, ...a };
    const d = authorize(cluster.store, attrs);
    if (!d.allowed) throw forbidden(attrs, d.reason);
  };
  const sa = serviceAccountOf(username);
  if (sa) check({ group: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name });
  else check({ group: '', resource: 'users', name: username });
  for (const g of groups) check({ group: '', resource: 'groups', name: g });
  if (uid) check({ group: 'authentication.k8s.io', resource: 'uids', name: uid });

  let finalGroups = [...groups];
  if (sa && groups.length === 0) finalGroups = serviceAccountGroups(sa.namespace).filter((g) => g !== 'system:authenticated');
  if (username !== 'system:anonymous') {
    if (!finalGroups.includes('system:authenticated')) finalGroups.push('system:authenticated');
  } else if (!finalGroups.includes('system:unauthenticated')) finalGroups.push('system:unauthenticated');
  return { username, uid, groups: finalGroups };
}
