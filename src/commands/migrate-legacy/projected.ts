import { invalidName, objectPath } from './names.js';

/**
 * The projected volume that replaces a legacy token Secret volume. It projects the same three files
 * a token Secret holds (`token`, `ca.crt`, `namespace`), so the containers' mounts keep working, but
 * the token is bound to the pod, expires, and is rotated by the kubelet (KUBERNETES.md §3).
 */
export function projectedTokenVolume(name: string, secretVolume: { defaultMode?: number; items?: Array<{ key: string; path: string }> } | undefined) {
  // A Secret volume may rename its keys with `items`; keep the same paths.
  const pathOf = (key: string) => secretVolume?.items?.find((i) => i.key === key)?.path ?? key;
  return {
    name,
    projected: {
      ...(secretVolume?.defaultMode !== undefined ? { defaultMode: secretVolume.defaultMode } : {}),
      sources: [
        { serviceAccountToken: { path: pathOf('token'), expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: pathOf('ca.crt') }] } },
        { downwardAPI: { items: [{ path: pathOf('namespace'), fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

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

export type JsonPatchOp = { op: 'test' | 'replace' | 'add' | 'remove'; path: string; value?: unknown };

/**
 * The JSON patch that swaps a workload's Secret volume for the projected one. A `test` op guards
 * each replacement, so a workload changed since the plan was written is refused, not clobbered.
 * When the pods run as another ServiceAccount than the token's, the template is switched to the
 * token's ServiceAccount so the app keeps the identity it had.
 */
export function projectionPatch(
  workload: { spec?: unknown },
  kind: string,
  secret: string,
  tokenServiceAccount: string,
): { patch: JsonPatchOp[]; notes: string[] } | undefined {
  const base = templatePath(kind);
  if (!base) return undefined;
  const podSpec = base
    .split('/')
    .filter(Boolean)
    .reduce<any>((o, k) => (o ? o[k] : undefined), workload);
  if (!podSpec) return undefined;
  const patch: JsonPatchOp[] = [];
  const notes: string[] = [];
  (podSpec.volumes ?? []).forEach((v: any, i: number) => {
    if (v.secret?.secretName !== secret) return;
    patch.push({ op: 'test', path: `${base}/volumes/${i}/secret/secretName`, value: secret });
    patch.push({ op: 'replace', path: `${base}/volumes/${i}`, value: projectedTokenVolume(v.name, v.secret) });
  });
  if (patch.length === 0) return undefined;
  const podSa = podSpec.serviceAccountName ?? 'default';
  if (tokenServiceAccount && podSa !== tokenServiceAccount) {
    patch.push({ op: podSpec.serviceAccountName ? 'replace' : 'add', path: `${base}/serviceAccountName`, value: tokenServiceAccount });
    notes.push(`the pods ran as ServiceAccount "${podSa}" but used the token of "${tokenServiceAccount}": the template now runs as "${tokenServiceAccount}" to keep that identity`);
  }
  if (podSpec.automountServiceAccountToken === false) {
    notes.push('automountServiceAccountToken is false on the template: the projected volume above is mounted explicitly, so that is fine');
  }
  return { patch, notes };
}
