/**
 * The kubectl commands a check prints as its fix, with the real names filled in. Each is a
 * command that works against a real cluster as printed: built as argv, made text by shell/render.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { cmd, jsonWord, operand, patchObject, render, type ObjectRef, type Pipeline } from '../shell/command.js';
import { ownerOf, podRef, serviceAccountName } from './spec.js';

/** One JSON Patch operation (RFC 6902) against a pod spec, paths relative to the spec. */
export interface SpecPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test';
  /** Path under the pod spec, e.g. `/volumes/0`. */
  path: string;
  value?: unknown;
}

/**
 * Restart the pod so it gets a fresh token (and current ServiceAccount, node…). A pod with a
 * controller is deleted and re-created from its template; a bare pod is replaced by itself.
 */
export function restartPod(pod: V1Pod, opts: { nodeLost?: boolean } = {}): string[] {
  const { namespace, name } = podRef(pod);
  // On a node that is NotReady or gone no kubelet confirms the deletion: the API server keeps a
  // bound pod until its kubelet does (graceful deletion, k/k pkg/registry/core/pod/strategy.go
  // CheckGracefulDelete), so a plain `kubectl delete pod` waits for ever. Its controller counts a
  // terminating pod out and creates the new one at once; the command must not wait for the old.
  if (ownerOf(pod).controller) return [render(cmd('kubectl', 'delete', 'pod', operand(name), '-n', namespace, ...(opts.nodeLost ? ['--wait=false'] : [])))];
  // A bare pod has no controller to re-create it: replace it with its own spec, unscheduled. Its
  // name must be free first: on a lost node only a forced deletion frees it.
  return [render(replaceBarePod(pod, [{ op: 'remove', path: '/spec/nodeName' }], opts.nodeLost ? ['--grace-period=0'] : []))];
}

/**
 * The checks' restarts of `pod` made ones that do not wait for its node's kubelet, when node-ready
 * failed (the node is NotReady or gone); every other command as it was.
 */
export function restartsOffLostNode<T extends { id: string; status: string; fix: string[] }>(pod: V1Pod, results: T[]): T[] {
  if (!results.some((r) => r.id === 'node-ready' && r.status === 'fail')) return results;
  const plain = restartPod(pod);
  const lost = restartPod(pod, { nodeLost: true });
  return results.map((r) => ({ ...r, fix: r.fix.map((f) => { const i = plain.indexOf(f); return i >= 0 ? lost[i] : f; }) }));
}

/** The bare pod, patched locally with `ops` (paths from the object's root) and re-created: its spec cannot change in place. */
export function replaceBarePod(pod: V1Pod, ops: unknown[], replaceFlags: string[] = []): Pipeline {
  const { namespace, name } = podRef(pod);
  return [
    cmd('kubectl', 'get', 'pod', operand(name), '-n', namespace, '-o', 'json'),
    cmd('kubectl', 'patch', '--local', '-f', '-', '--type', 'json', '-p', jsonWord(ops), '-o', 'json'),
    cmd('kubectl', 'replace', '--force', ...replaceFlags, '-f', '-'),
  ];
}

export function createServiceAccount(namespace: string, name: string): string {
  return render(cmd('kubectl', 'create', 'serviceaccount', operand(name), '-n', namespace));
}

export function enableServiceAccountAutomount(namespace: string, name: string): string {
  return render(patchObject({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name }, 'strategic', { automountServiceAccountToken: true }));
}

/** The pod's owning workload, as a patch target (`patchObject`). */
export function workloadRef(pod: V1Pod): ObjectRef | undefined {
  const workload = ownerOf(pod).workload;
  if (!workload || workload.kind === 'Job') return undefined;
  return { ...workload, namespace: podRef(pod).namespace };
}

/**
 * Change the pod template: a JSON patch of the owning workload (its controller rolls the pods),
 * or for a bare pod the same patch applied locally and the pod replaced.
 */
export function patchPodTemplate(pod: V1Pod, ops: SpecPatchOp[]): string[] {
  const workload = workloadRef(pod);
  if (workload) {
    // CronJob-owned Jobs are not patched here: their template sits under jobTemplate.
    const prefix = '/spec/template/spec';
    const patch = ops.map((o) => ({ ...o, path: prefix + o.path }));
    return [render(patchObject(workload, 'json', patch))];
  }
  const patch = ops.map((o) => ({ ...o, path: '/spec' + o.path }));
  return [render(replaceBarePod(pod, [...patch, { op: 'remove', path: '/spec/nodeName' }]))];
}

/** A Role granting VERB on RESOURCE in the namespace, and its RoleBinding to the pod's ServiceAccount. */
export function grant(pod: V1Pod, verbs: string[], resource: string, group = ''): string[] {
  const { namespace } = podRef(pod);
  const sa = serviceAccountName(pod);
  const res = group ? `${resource}.${group}` : resource;
  const role = dnsName(`${sa}-${verbs[0]}-${resource}`);
  return [
    render(cmd('kubectl', 'create', 'role', role, `--verb=${verbs.join(',')}`, `--resource=${res}`, '-n', namespace)),
    render(cmd('kubectl', 'create', 'rolebinding', role, `--role=${role}`, `--serviceaccount=${namespace}:${sa}`, '-n', namespace)),
  ];
}

function dnsName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}
