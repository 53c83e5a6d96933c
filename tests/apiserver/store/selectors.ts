/**
 * Label and field selectors in the API server's syntax (`a=b,c!=d,e in (x,y),!f`), parsed once per
 * request into predicates.
 */
import { badRequest } from '../errors';
import type { KubeObject } from './types';

export type Predicate = (obj: KubeObject) => boolean;

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

export function parseLabelSelector(selector: string | undefined): Predicate | undefined {
  if (!selector) return undefined;
  const terms: Predicate[] = splitTopLevel(selector).map((term) => {
    let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const [, key, op, list] = m;
      const values = new Set(list.split(',').map((v) => v.trim()));
      return op === 'in'
        ? (o) => o.metadata.labels?.[key] !== undefined && values.has(o.metadata.labels[key])
        : (o) => o.metadata.labels?.[key] === undefined || !values.has(o.metadata.labels[key]);
    }
    m = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(term);
    if (m) {
      const [, key, op, value] = m;
      return op === '!=' ? (o) => o.metadata.labels?.[key] !== value : (o) => o.metadata.labels?.[key] === value;
    }
    m = /^!\s*([^\s!=]+)$/.exec(term);
    if (m) {
      const key = m[1];
      return (o) => o.metadata.labels?.[key] === undefined;
    }
    m = /^([^\s!=(),]+)$/.exec(term);
    if (m) {
      const key = m[1];
      return (o) => o.metadata.labels?.[key] !== undefined;
    }
    throw badRequest(`unable to parse requirement: found '${term}', expected: identifier`);
  });
  return (o) => terms.every((t) => t(o));
}

/** The fields each kind can be selected by (as the registries' field-label conversion funcs allow). */
const FIELDS: Record<string, Record<string, (o: any) => string | undefined>> = {
  Pod: {
    'spec.nodeName': (o) => o.spec?.nodeName ?? '',
    'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
    'spec.restartPolicy': (o) => o.spec?.restartPolicy ?? '',
    'spec.schedulerName': (o) => o.spec?.schedulerName ?? '',
    'status.phase': (o) => o.status?.phase ?? '',
    'status.podIP': (o) => o.status?.podIP ?? '',
    'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
  },
  Secret: { type: (o) => o.type ?? '' },
  Node: { 'spec.unschedulable': (o) => String(o.spec?.unschedulable ?? false) },
  Namespace: { 'status.phase': (o) => o.status?.phase ?? '' },
  Event: {
    'involvedObject.kind': (o) => o.involvedObject?.kind ?? '',
    'involvedObject.namespace': (o) => o.involvedObject?.namespace ?? '',
    'involvedObject.name': (o) => o.involvedObject?.name ?? '',
    'involvedObject.uid': (o) => o.involvedObject?.uid ?? '',
    'involvedObject.apiVersion': (o) => o.involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': (o) => o.involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': (o) => o.involvedObject?.fieldPath ?? '',
    reason: (o) => o.reason ?? '',
    reportingComponent: (o) => o.reportingComponent ?? '',
    source: (o) => o.source?.component ?? '',
    type: (o) => o.type ?? '',
  },
  Job: { 'status.successful': (o) => String(o.status?.succeeded ?? 0) },
  ReplicaSet: { 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
};

export function parseFieldSelector(selector: string | undefined, kind: string): Predicate | undefined {
  if (!selector) return undefined;
  const terms: Predicate[] = splitTopLevel(selector).map((term) => {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field, op, value] = m;
    let get: ((o: any) => string | undefined) | undefined;
    if (field === 'metadata.name') get = (o) => o.metadata.name;
    else if (field === 'metadata.namespace') get = (o) => o.metadata.namespace ?? '';
    else get = FIELDS[kind]?.[field];
    if (!get) throw badRequest(`field label not supported: ${field}`);
    const g = get;
    return op === '!=' ? (o) => g(o) !== value : (o) => g(o) === value;
  });
  return (o) => terms.every((t) => t(o));
}
