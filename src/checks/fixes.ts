/**
 * The kubectl commands a check prints as its fix, with the real names filled in. Each is a
 * command that works against a real cluster as printed (quoted for a POSIX shell).
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { AccessAttributes } from '../kube/types.js';
import { ownerOf, podRef } from './spec.js';

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

/**
 * A step no command can take (a change to the app's code), printed among the fix commands as a
 * shell comment: the sequence still runs as printed, and a reader sees what else must happen.
 */
export function note(text: string): string {
  return `# ${text.replace(/[\r\n]+/g, ' ')}`;
}

/** Commands that only buy time, each labelled so on its own line (a trailing shell comment). */
export function stopgap(commands: string[], why: string): string[] {
  return commands.map((c) => `${c}  # stopgap: ${why.replace(/[\r\n]+/g, ' ')}`);
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

/**
 * The Role and RoleBinding (a ClusterRole and ClusterRoleBinding for a cluster-wide right) that
 * grant one denied access to a user: a ServiceAccount's `system:serviceaccount:NS:NAME` is bound
 * with --serviceaccount, anyone else with --user. diagnose and test-auth print the same commands
 * for the same 403 from here.
 */
export function grantAccess(username: string, a: AccessAttributes): string[] {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  const subject = sa ? `--serviceaccount=${shQuote(`${sa[1]}:${sa[2]}`)}` : `--user=${shQuote(username)}`;
  const resource = `${a.resource}${a.group ? `.${a.group}` : ''}${a.subresource ? `/${a.subresource}` : ''}`;
  const name = dnsName(`${sa ? sa[2] : username}-${a.verb}-${resource}`);
  const verb = `--verb=${shQuote(a.verb)} --resource=${shQuote(resource)}`;
  if (!a.namespace) {
    return [`kubectl create clusterrole ${name} ${verb}`, `kubectl create clusterrolebinding ${name} --clusterrole=${name} ${subject}`];
  }
  const ns = shQuote(a.namespace);
  return [`kubectl create role ${name} ${verb} -n ${ns}`, `kubectl create rolebinding ${name} --role=${name} ${subject} -n ${ns}`];
}

function dnsName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}
