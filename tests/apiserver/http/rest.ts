/**
 * The generic REST verbs over the store, as upstream's generic registry does them: GET, LIST,
 * CREATE, UPDATE (optimistic concurrency), PATCH (merge, strategic, JSON) and DELETE
 * (preconditions, DeleteOptions), with admission run on writes.
 */
import { admit, AdmissionOp } from '../admission';
import type { Cluster } from '../cluster';
import { alreadyExists, badRequest, invalid, notFound, StatusError } from '../errors';
import { apiVersionOf, RESOURCES, ResourceType } from '../resources';
import type { ListOptions } from '../store/store';
import type { KubeObject } from '../store/types';
import type { UserInfo } from '../auth/user';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { json, Reply } from './respond';
import { toTable, wantsTable } from './tables';

export interface RestRequest {
  cluster: Cluster;
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
  body: any;
  contentType?: string;
  accept?: string;
  user: UserInfo;
  warn(text: string): void;
}

function dryRun(q: URLSearchParams): boolean {
  return q.getAll('dryRun').includes('All');
}

function listOptions(q: URLSearchParams): ListOptions {
  const limit = q.get('limit');
  return {
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit: limit ? Number(limit) : undefined,
    continue: q.get('continue') ?? undefined,
  };
}

function respondObject(r: RestRequest, status: number, obj: KubeObject): Reply {
  if (wantsTable(r.accept)) return json(status, toTable(r.type, [obj], r.cluster.store.resourceVersion(), r.cluster.clock.now(), r.query));
  return json(status, obj);
}

export function get(r: RestRequest): Reply {
  const obj = r.cluster.store.mustGet(r.type, r.namespace, r.name!);
  return respondObject(r, 200, obj);
}

export function list(r: RestRequest): Reply {
  const result = r.cluster.store.list(r.type, r.namespace, listOptions(r.query));
  if (wantsTable(r.accept)) {
    const table = toTable(r.type, result.items, result.resourceVersion, r.cluster.clock.now(), r.query) as Record<string, any>;
    if (result.continue) table.metadata.continue = result.continue;
    if (result.remainingItemCount !== undefined) table.metadata.remainingItemCount = result.remainingItemCount;
    return json(200, table);
  }
  const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
  if (result.continue) metadata.continue = result.continue;
  if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
  // Serialized by hand: JSON.stringify of 100,000 items in one object is the slow part otherwise.
  const head = JSON.stringify({ kind: `${r.type.kind}List`, apiVersion: apiVersionOf(r.type), metadata });
  const items = result.items.map((o) => JSON.stringify(o)).join(',');
  return { status: 200, body: `${head.slice(0, -1)},"items":[${items}]}`, contentType: 'application/json' };
}

function checkBody(r: RestRequest, obj: any): KubeObject {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('the object provided is unrecognized');
  if (obj.kind && obj.kind !== r.type.kind) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersionOf(r.type)})`);
  }
  obj.metadata ??= {};
  if (r.type.namespaced) {
    if (obj.metadata.namespace && r.namespace && obj.metadata.namespace !== r.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = r.namespace ?? obj.metadata.namespace;
  }
  return obj as KubeObject;
}

export function create(r: RestRequest): Reply {
  const obj = checkBody(r, structuredClone(r.body));
  const t = r.type;
  if (!obj.metadata.name && !obj.metadata.generateName) {
    throw invalid(t.kind, t.group, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]);
  }
  if (obj.metadata.name && r.cluster.store.get(t, r.namespace, obj.metadata.name)) {
    // Decided before admission so that a duplicate never reaches the admission errors.
    throw alreadyExists(t.resource, t.group, obj.metadata.name);
  }
  delete obj.metadata.resourceVersion;
  delete obj.metadata.uid;
  delete obj.metadata.creationTimestamp;
  delete obj.metadata.deletionTimestamp;
  admit(r.cluster, { op: 'CREATE', type: t, object: obj, user: r.user, warn: r.warn });
  if (dryRun(r.query)) {
    obj.metadata.name ||= obj.metadata.generateName + 'dryrn';
    obj.metadata.creationTimestamp = new Date(r.cluster.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    return json(201, obj);
  }
  const stored = r.cluster.store.create(t, obj);
  return respondObject(r, 201, stored);
}

function replace(r: RestRequest, next: KubeObject, op: AdmissionOp, old: KubeObject): Reply {
  const t = r.type;
  if (next.metadata?.name && next.metadata.name !== r.name) {
    throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${r.name})`);
  }
  next.metadata.name = r.name!;
  if (t.namespaced) next.metadata.namespace = r.namespace;
  if (r.subresource === 'status') {
    // A status update changes only .status.
    next = { ...structuredClone(old), status: next.status, metadata: { ...structuredClone(old.metadata), resourceVersion: next.metadata.resourceVersion } };
  } else if (old.status !== undefined && t.subresources?.some((s) => s.name === 'status')) {
    // A main-resource update keeps the stored status, as upstream's PrepareForUpdate does.
    next.status = structuredClone(old.status);
  }
  admit(r.cluster, { op, type: t, object: next, old, user: r.user, warn: r.warn });
  if (dryRun(r.query)) return json(200, next);
  const stored = r.cluster.store.update(t, next);
  return respondObject(r, 200, stored);
}

export function update(r: RestRequest): Reply {
  const old = r.cluster.store.mustGet(r.type, r.namespace, r.name!);
  const next = checkBody(r, structuredClone(r.body));
  if (next.metadata.resourceVersion === undefined || next.metadata.resourceVersion === '') {
    // Upstream allows unconditional updates for these kinds; keep the stored version.
    next.metadata.resourceVersion = undefined;
  }
  return replace(r, next, 'UPDATE', old);
}

export function patch(r: RestRequest): Reply {
  const old = r.cluster.store.mustGet(r.type, r.namespace, r.name!);
  const ct = (r.contentType ?? '').split(';')[0].trim();
  const current = structuredClone(old);
  let next: any;
  if (ct === 'application/json-patch+json') next = jsonPatch(current, r.body);
  else if (ct === 'application/merge-patch+json') next = mergePatch(current, r.body);
  else if (ct === 'application/strategic-merge-patch+json' || ct === 'application/apply-patch+yaml') next = strategicMergePatch(current, r.body);
  else {
    throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
  }
  if (!next || typeof next !== 'object') throw badRequest('the patch produced an invalid object');
  next.metadata ??= {};
  // A patch applies to the version it read unless it names one (then that one must match).
  const patchedRv = r.body && typeof r.body === 'object' && !Array.isArray(r.body) ? r.body.metadata?.resourceVersion : undefined;
  next.metadata.resourceVersion = patchedRv ?? old.metadata.resourceVersion;
  next.metadata.uid = old.metadata.uid;
  return replace(r, next, 'UPDATE', old);
}

interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  dryRun?: string[];
}

export function remove(r: RestRequest): Reply {
  const opts: DeleteOptions = r.body && typeof r.body === 'object' ? r.body : {};
  const t = r.type;
  const obj = r.cluster.store.mustGet(t, r.namespace, r.name!);
  if (dryRun(r.query) || opts.dryRun?.includes('All')) return json(200, obj);
  admit(r.cluster, { op: 'DELETE', type: t, object: obj, old: obj, user: r.user, warn: r.warn });
  const deleted = r.cluster.store.delete(t, r.namespace, r.name!, opts.preconditions ?? {});
  if (t.resource === 'namespaces') deleteNamespaceContents(r.cluster, r.name!);
  if (t.resource === 'pods' || t.resource === 'namespaces') {
    // These registries answer with the object (pods: ReturnDeletedObject; namespaces: finalizing).
    const out = structuredClone(deleted);
    out.metadata.deletionTimestamp = new Date(r.cluster.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (t.resource === 'pods') out.metadata.deletionGracePeriodSeconds = 0;
    if (t.resource === 'namespaces') out.status = { ...(out.status ?? {}), phase: 'Terminating' };
    return json(200, out);
  }
  return json(200, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: deleted.metadata.name, group: t.group || undefined, kind: t.resource, uid: deleted.metadata.uid },
  });
}

export function deleteCollection(r: RestRequest): Reply {
  const result = r.cluster.store.list(r.type, r.namespace, { labelSelector: r.query.get('labelSelector') ?? undefined, fieldSelector: r.query.get('fieldSelector') ?? undefined });
  const items = [...result.items];
  for (const o of items) r.cluster.store.delete(r.type, o.metadata.namespace, o.metadata.name);
  return json(200, { kind: `${r.type.kind}List`, apiVersion: apiVersionOf(r.type), metadata: { resourceVersion: r.cluster.store.resourceVersion() }, items });
}

/** The namespace controller's work, done at once: every namespaced object in it goes. */
export function deleteNamespaceContents(cluster: Cluster, namespace: string): void {
  for (const t of RESOURCES) {
    if (!t.namespaced || t.virtual) continue;
    for (const o of [...cluster.store.list(t, namespace).items]) cluster.store.delete(t, namespace, o.metadata.name);
  }
}

export function notFoundFor(r: RestRequest): StatusError {
  return notFound(r.type.resource, r.type.group, r.name ?? '');
}
