/**
 * The kubectl commands a check prints as its fix, with the real names filled in. Each is a
 * command that works against a real cluster as printed (quoted for a POSIX shell).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { ownerOf, podRef, serviceAccountName } from './spec.js';

/** One JSON Patch operation (RFC 6902) against a pod spec, paths relative to the spec. */
export interface SpecPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test';
  /** Path under the pod spec, e.g. `/volumes/0`. */
  path: string;
  value?: unknown;
}

/** Single-quoted for sh: safe for any JSON (a ' inside is closed, escaped, reopened). */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Restart the pod so it gets a fresh token (and current ServiceAccount, node…). A pod with a
 * controller is deleted and re-created from its template; a bare pod is replaced by itself.
 */
export function restartPod(pod: V1Pod): string[] {
  const { namespace, name } = podRef(pod);
  if (ownerOf(pod).controller) return [`kubectl delete pod ${name} -n ${namespace}`];
  // A bare pod has no controller to re-create it: replace it with its own spec, unscheduled.
  return [
    `kubectl get pod ${name} -n ${namespace} -o json | kubectl patch --local -f - --type json -p ${shQuote(JSON.stringify([{ op: 'remove', path: '/spec/nodeName' }]))} -o json | kubectl replace --force -f -`,
  ];
}

export function createServiceAccount(namespace: string, name: string): string {
  return `kubectl create serviceaccount ${name} -n ${namespace}`;
}

export function enableServiceAccountAutomount(namespace: string, name: string): string {
  return `kubectl patch serviceaccount ${name} -n ${namespace} -p ${shQuote('{"automountServiceAccountToken":true}')}`;
}

/**
 * Change the pod template: a JSON patch of the owning workload (its controller rolls the pods),
 * or for a bare pod the same patch applied locally and the pod replaced.
 */
export function patchPodTemplate(pod: V1Pod, ops: SpecPatchOp[]): string[] {
  const { namespace, name } = podRef(pod);
  const workload = ownerOf(pod).workload;
  if (workload && workload.kind !== 'Job') {
    const kind = workload.kind.toLowerCase();
    // CronJob-owned Jobs are not patched here: their template sits under jobTemplate.
    const prefix = '/spec/template/spec';
    const patch = ops.map((o) => ({ ...o, path: prefix + o.path }));
    return [`kubectl patch ${kind} ${workload.name} -n ${namespace} --type json -p ${shQuote(JSON.stringify(patch))}`];
  }
  const patch = ops.map((o) => ({ ...o, path: '/spec' + o.path }));
  return [
    `kubectl get pod ${name} -n ${namespace} -o json | kubectl patch --local -f - --type json -p ${shQuote(JSON.stringify([...patch, { op: 'remove', path: '/spec/nodeName' }]))} -o json | kubectl replace --force -f -`,
  ];
}

/** A Role granting VERB on RESOURCE in the namespace, and its RoleBinding to the pod's ServiceAccount. */
export function grant(pod: V1Pod, verbs: string[], resource: string, group = ''): string[] {
  const { namespace } = podRef(pod);
  const sa = serviceAccountName(pod);
  const res = group ? `${resource}.${group}` : resource;
  const role = dnsName(`${sa}-${verbs[0]}-${resource}`);
  return [
    `kubectl create role ${role} --verb=${verbs.join(',')} --resource=${res} -n ${namespace}`,
    `kubectl create rolebinding ${role} --role=${role} --serviceaccount=${namespace}:${sa} -n ${namespace}`,
  ];
}

function dnsName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}
