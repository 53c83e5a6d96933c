/**
 * Creating objects from code (bootstrap, scenarios, --objects): through admission like a client
 * would, or bulk-loaded without it.
 */
import { readFileSync } from 'node:fs';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { admit } from './admission';
import { ANONYMOUS } from './auth/user';
import type { Cluster } from './cluster';
import { findKind } from './resources';
import type { KubeObject } from './store/types';

const SYSTEM = { ...ANONYMOUS, username: 'system:apiserver', groups: ['system:masters'] };

/** Creates an object as an admin client would (admission runs: defaults, SA token volume, scheduling). */
export function createObject(cluster: Cluster, obj: KubeObject): KubeObject {
  const t = findKind(obj.apiVersion, obj.kind);
  if (!t) throw new Error(`unsupported kind ${obj.apiVersion}/${obj.kind}`);
  const o = structuredClone(obj);
  if (t.namespaced) o.metadata.namespace ??= 'default';
  admit(cluster, { op: 'CREATE', type: t, object: o, user: SYSTEM, warn: () => undefined });
  return cluster.store.create(t, o);
}

/**
 * Objects of a YAML multi-document stream or a JSON document, `List`s flattened. YAML is read with
 * js-yaml's core schema (YAML 1.2 scalars; timestamps stay strings): about ten times faster than
 * the `yaml` package on 100,000 small documents.
 */
export function parseObjects(text: string): KubeObject[] {
  const trimmed = text.trimStart();
  const docs: unknown[] = trimmed.startsWith('{') || trimmed.startsWith('[') ? [JSON.parse(text)] : loadAll(text, null, { schema: CORE_SCHEMA });
  const out: KubeObject[] = [];
  const add = (d: any) => {
    if (!d || typeof d !== 'object') return;
    if (Array.isArray(d)) d.forEach(add);
    else if (Array.isArray(d.items) && (d.kind === 'List' || String(d.kind ?? '').endsWith('List'))) {
      const itemKind = d.kind !== 'List' ? String(d.kind).slice(0, -4) : undefined;
      for (const item of d.items) add(itemKind && !item.kind ? { apiVersion: d.apiVersion, kind: itemKind, ...item } : item);
    } else out.push(d as KubeObject);
  };
  docs.forEach(add);
  return out;
}

/**
 * Bulk load (--objects): no admission and no controller events, so that 100,000 objects load in
 * seconds. Namespaces that objects name are created when missing (with their defaults), and
 * token Secrets are filled afterwards by the caller.
 */
export function loadObjects(cluster: Cluster, objects: KubeObject[]): number {
  let n = 0;
  const nsType = cluster.type('', 'namespaces');
  const seen = new Set<string>();
  for (const obj of objects) {
    const t = findKind(obj.apiVersion, obj.kind);
    if (!t) throw new Error(`unsupported kind ${obj.apiVersion}/${obj.kind}${obj.metadata?.name ? ` (${obj.metadata.name})` : ''}`);
    if (t.virtual) continue;
    if (t.kind === 'Namespace') {
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name };
      obj.spec ??= { finalizers: ['kubernetes'] };
      obj.status ??= { phase: 'Active' };
    }
    if (t.kind === 'Secret') obj.type ??= 'Opaque';
    cluster.store.load(t, obj);
    n++;
    const ns = t.namespaced ? obj.metadata.namespace! : t.kind === 'Namespace' ? obj.metadata.name : undefined;
    if (ns && !seen.has(ns)) seen.add(ns);
  }
  for (const ns of seen) {
    if (!cluster.store.get(nsType, undefined, ns)) {
      cluster.store.load(nsType, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    }
  }
  return n;
}

export function readObjectFiles(paths: string[]): KubeObject[] {
  return paths.flatMap((p) => parseObjects(readFileSync(p, 'utf8')));
}
