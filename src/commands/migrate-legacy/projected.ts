import { invalidName, objectPath } from './names.js';
import { projectionOps } from '../../checks/projected-volume.js';

export { projectedTokenVolume } from '../../checks/projected-volume.js';

/** Where a workload kind keeps its pod template, as a JSON pointer prefix. */
export function templatePath(kind: string): string | undefined {
  switch (kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
      return '/spec/template/spec';
    case 'CronJob':
      return '/spec/jobTemplate/spec/template/spec';
    default:
      return undefined;
  }
}

/**
 * REST path of a workload (apps/v1 or batch/v1), its name encoded; undefined for another kind or a
 * name Kubernetes would refuse (an ownerReference name holding `/../` must not address another object).
 */
export function workloadPath(kind: string, namespace: string, name: string): string | undefined {
  const where: Record<string, [string, string]> = {
    Deployment: ['apps', 'deployments'],
    ReplicaSet: ['apps', 'replicasets'],
    StatefulSet: ['apps', 'statefulsets'],
    DaemonSet: ['apps', 'daemonsets'],
    Job: ['batch', 'jobs'],
    CronJob: ['batch', 'cronjobs'],
  };
  const w = where[kind];
  if (!w || invalidName(namespace, name)) return undefined;
  return objectPath(w[0], 'v1', w[1], namespace, name);
}

/** The pod spec of a workload's template, undefined for another kind or a workload without one. */
export function templateSpec(workload: { spec?: unknown }, kind: string): any {
  const base = templatePath(kind);
  if (!base) return undefined;
  return base
    .split('/')
    .filter(Boolean)
    .reduce<any>((o, k) => (o ? o[k] : undefined), workload);
}

export type JsonPatchOp = { op: 'test' | 'replace' | 'add' | 'remove'; path: string; value?: unknown };

/**
 * The JSON patch that swaps a workload's Secret volume for the projected one: diagnose's
 * legacy-secret operations (checks/projected-volume.ts), under the workload's template path.
 */
export function projectionPatch(
  workload: { spec?: unknown },
  kind: string,
  secret: string,
  tokenServiceAccount: string,
): { patch: JsonPatchOp[]; notes: string[] } | undefined {
  const base = templatePath(kind);
  const podSpec = templateSpec(workload, kind);
  if (!base || !podSpec) return undefined;
  const made = projectionOps(podSpec, secret, tokenServiceAccount);
  if (!made) return undefined;
  return { patch: made.ops.map((o): JsonPatchOp => ({ ...o, path: base + o.path })), notes: made.notes };
}
