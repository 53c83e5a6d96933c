/**
 * The in-memory object store: what etcd and the registry layer are to kube-apiserver. One global
 * resourceVersion counter, uid/creationTimestamp/generateName assignment, optimistic concurrency,
 * delete preconditions, and lists indexed by namespace and kept in etcd key order so that
 * `limit`/`continue` pages are stable over 100,000 objects.
 *
 * Objects returned are the stored ones: read them, never mutate them (clone first).
 */
import { randomUUID } from 'node:crypto';
import { decodeContinue, encodeContinue } from './continue';
import { alreadyExists, badRequest, conflict, invalid, MODIFIED, notFound, preconditionFailed, StatusError } from '../errors';
import { apiVersionOf, ResourceType } from '../resources';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import type { KubeObject, StoreEvent } from './types';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** The objects of one resource type, by namespace ('' for cluster-scoped) then name. */
class Table {
  readonly byNamespace = new Map<string, Map<string, KubeObject>>();
  /** Namespaces sorted as etcd orders `<ns>/<name>` keys; null when stale. */
  private sortedNamespaces: string[] | null = null;
  private sortedNames = new Map<string, string[]>();
  size = 0;

  get(ns: string, name: string): KubeObject | undefined {
    return this.byNamespace.get(ns)?.get(name);
  }

  set(ns: string, name: string, obj: KubeObject): void {
    let m = this.byNamespace.get(ns);
    if (!m) {
      m = new Map();
      this.byNamespace.set(ns, m);
      this.sortedNamespaces = null;
    }
    if (!m.has(name)) {
      this.size++;
      this.sortedNames.delete(ns);
    }
    m.set(name, obj);
  }

  remove(ns: string, name: string): void {
    const m = this.byNamespace.get(ns);
    if (m?.delete(name)) {
      this.size--;
      this.sortedNames.delete(ns);
    }
  }

  namespaces(): string[] {
    if (!this.sortedNamespaces) {
      // etcd sorts "<ns>/<name>"; comparing "<ns>/" gives the same namespace order.
      this.sortedNamespaces = [...this.byNamespace.keys()].sort((a, b) => cmp(a + '/', b + '/'));
    }
    return this.sortedNamespaces;
  }

  names(ns: string): string[] {
    let names = this.sortedNames.get(ns);
    if (!names) {
      names = [...(this.byNamespace.get(ns)?.keys() ?? [])].sort(cmp);
      this.sortedNames.set(ns, names);
    }
    return names;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First index in sorted `arr` whose element is > `key` (or >= when inclusive). */
function lowerBound(arr: string[], key: string, inclusive: boolean): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] < key || (!inclusive && arr[mid] === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The suffix upstream's SimpleNameGenerator appends to generateName (5 chars). */
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return s;
}

let lastSecond = NaN;
let lastText = '';

/** RFC 3339 at second precision, as metav1.Time serializes (memoized: bulk loads stamp 100,000 objects). */
export function rfc3339(d: Date): string {
  const s = Math.floor(d.getTime() / 1000);
  if (s !== lastSecond) {
    lastSecond = s;
    lastText = new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return lastText;
}

/** A write about to be applied (see Store.beforeChange). */
export interface PendingChange {
  resource: string;
  group: string;
  /** undefined for cluster-scoped resources. */
  namespace: string | undefined;
  name: string;
}

export class Store {
  private rv = 1000;
  private readonly tables = new Map<string, Table>();
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  private readonly beforeListeners = new Set<(c: PendingChange) => void>();

  constructor(private readonly now: () => Date) {}

  private table(t: ResourceType): Table {
    const key = `${t.group}/${t.resource}`;
    let table = this.tables.get(key);
    if (!table) {
      table = new Table();
      this.tables.set(key, table);
    }
    return table;
  }

  resourceVersion(): string {
    return String(this.rv);
  }

  /** Calls `fn` after every change (controllers, watches); returns the unsubscribe function. */
  subscribe(fn: (e: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Calls `fn` before every create, update or delete is applied (the store is unchanged when it
   * runs). The emulated kubelet uses it to finish the work it does lazily (setting up the volumes
   * of pods already reported Running) against the world as it was, before a write changes it.
   */
  beforeChange(fn: (c: PendingChange) => void): () => void {
    this.beforeListeners.add(fn);
    return () => this.beforeListeners.delete(fn);
  }

  private before(t: ResourceType, namespace: string | undefined, name: string): void {
    if (this.beforeListeners.size === 0) return;
    const c: PendingChange = { resource: t.resource, group: t.group, namespace: t.namespaced ? (namespace ?? '') : undefined, name };
    for (const fn of [...this.beforeListeners]) fn(c);
  }

  private emit(e: StoreEvent): void {
    for (const fn of [...this.listeners]) fn(e);
  }

  count(t: ResourceType): number {
    return this.table(t).size;
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.table(t).get(t.namespaced ? (namespace ?? '') : '', name);
  }

  mustGet(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const o = this.get(t, namespace, name);
    if (!o) throw notFound(t.resource, t.group, name);
    return o;
  }

  list(t: ResourceType, namespace: string | undefined, opts: ListOptions = {}): ListResult {
    const table = this.table(t);
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector, t.kind);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const namespaces = t.namespaced ? (namespace ? [namespace] : table.namespaces()) : [''];
    // Where this page starts: the namespace index, and the first name index inside it.
    let nsIdx = 0;
    let nameFrom = 0;
    if (opts.continue) {
      const c = decodeContinue(opts.continue);
      nsIdx = namespaces.findIndex((n) => cmp(n + '/', c.ns + '/') >= 0);
      if (nsIdx === -1) nsIdx = namespaces.length;
      else if (namespaces[nsIdx] === c.ns) nameFrom = lowerBound(table.names(c.ns), c.name, false);
    }
    let before = nameFrom;
    for (let i = 0; i < nsIdx; i++) before += table.names(namespaces[i]).length;
    const items: KubeObject[] = [];
    let next: string | undefined;
    outer: for (let i = nsIdx; i < namespaces.length; i++) {
      const ns = namespaces[i];
      const names = table.names(ns);
      const m = table.byNamespace.get(ns);
      if (!m) continue;
      for (let j = i === nsIdx ? nameFrom : 0; j < names.length; j++) {
        const o = m.get(names[j])!;
        if (labels && !labels(o)) continue;
        if (fields && !fields(o)) continue;
        if (items.length === limit) {
          const last = items[items.length - 1];
          next = encodeContinue(this.rv, last.metadata.namespace ?? '', last.metadata.name);
          break outer;
        }
        items.push(o);
      }
    }
    const result: ListResult = { items, resourceVersion: String(this.rv) };
    if (next) {
      result.continue = next;
      // Upstream only knows the remaining count when no selector filters the list.
      if (!labels && !fields) {
        let total = 0;
        for (const ns of namespaces) total += table.names(ns).length;
        result.remainingItemCount = total - before - items.length;
      }
    }
    return result;
  }

  /** Fills the server-set metadata of a new object. */
  private stamp(t: ResourceType, obj: KubeObject): void {
    const md = obj.metadata;
    if (!md.name && md.generateName) md.name = md.generateName + randomSuffix();
    if (!md.name) {
      throw invalid(t.kind, t.group, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]);
    }
    md.uid = randomUUID();
    md.creationTimestamp = rfc3339(this.now());
    md.resourceVersion = String(++this.rv);
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    if (!t.namespaced) delete md.namespace;
  }

  /** Stores a new object (taken over: do not reuse it) and returns it. */
  create(t: ResourceType, obj: KubeObject): KubeObject {
    const table = this.table(t);
    obj.metadata ??= { name: '' };
    const ns = t.namespaced ? (obj.metadata.namespace ?? '') : '';
    if (obj.metadata.name && table.get(ns, obj.metadata.name)) throw alreadyExists(t.resource, t.group, obj.metadata.name);
    this.before(t, ns, obj.metadata.name || obj.metadata.generateName || '');
    this.stamp(t, obj);
    if (table.get(ns, obj.metadata.name)) throw alreadyExists(t.resource, t.group, obj.metadata.name);
    table.set(ns, obj.metadata.name, obj);
    this.emit({ type: 'ADDED', resource: t.resource, group: t.group, object: obj });
    return obj;
  }

  /**
   * Replaces an object. A resourceVersion in the new object must match the stored one (409
   * otherwise); without one the update is unconditional, as upstream allows for these types.
   */
  update(t: ResourceType, obj: KubeObject): KubeObject {
    const table = this.table(t);
    const ns = t.namespaced ? (obj.metadata.namespace ?? '') : '';
    const old = table.get(ns, obj.metadata.name);
    if (!old) throw notFound(t.resource, t.group, obj.metadata.name);
    const rv = obj.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw conflict(t.resource, t.group, obj.metadata.name, MODIFIED);
    if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid) {
      throw conflict(t.resource, t.group, obj.metadata.name, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    this.before(t, ns, obj.metadata.name);
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    obj.metadata.uid = old.metadata.uid;
    obj.metadata.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) obj.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
    if (!t.namespaced) delete obj.metadata.namespace;
    else obj.metadata.namespace = ns;
    obj.metadata.resourceVersion = String(++this.rv);
    table.set(ns, obj.metadata.name, obj);
    this.emit({ type: 'MODIFIED', resource: t.resource, group: t.group, object: obj, old });
    return obj;
  }

  /** Removes an object; returns it as it was (for the DELETE response). */
  delete(t: ResourceType, namespace: string | undefined, name: string, pre: Preconditions = {}): KubeObject {
    const table = this.table(t);
    const ns = t.namespaced ? (namespace ?? '') : '';
    const old = table.get(ns, name);
    if (!old) throw notFound(t.resource, t.group, name);
    if (pre.uid && pre.uid !== old.metadata.uid) {
      throw preconditionFailed(t.resource, t.group, namespace, name, 'UID', pre.uid, old.metadata.uid ?? '');
    }
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw preconditionFailed(t.resource, t.group, namespace, name, 'ResourceVersion', pre.resourceVersion, old.metadata.resourceVersion ?? '');
    }
    this.before(t, ns, name);
    table.remove(ns, name);
    ++this.rv;
    this.emit({ type: 'DELETED', resource: t.resource, group: t.group, object: old });
    return old;
  }

  /**
   * Bulk load for --objects and scenarios: no admission, no events, objects taken over as given
   * (metadata filled where missing). Existing objects of the same name are replaced.
   */
  load(t: ResourceType, obj: KubeObject): KubeObject {
    const md = (obj.metadata ??= { name: '' });
    if (!md.name && md.generateName) md.name = md.generateName + randomSuffix();
    if (!md.name) throw new StatusError(422, 'Invalid', `${t.kind} without metadata.name`);
    if (t.namespaced) md.namespace ??= 'default';
    else delete md.namespace;
    md.uid ??= randomUUID();
    md.creationTimestamp ??= rfc3339(this.now());
    md.resourceVersion = String(++this.rv);
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    this.table(t).set(md.namespace ?? '', md.name, obj);
    return obj;
  }

  /** Namespaces that hold at least one object of this type (for controllers). */
  namespacesOf(t: ResourceType): string[] {
    return this.table(t).namespaces().filter((ns) => (this.table(t).byNamespace.get(ns)?.size ?? 0) > 0);
  }
}
