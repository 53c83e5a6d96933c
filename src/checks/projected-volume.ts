/**
 * The move off a legacy token Secret, as one set of pod-spec patch operations: diagnose's
 * legacy-secret fix and migrate-legacy's workload patch are built here, so both print the same
 * change for the same pod.
 */
import type { SpecPatchOp } from './fixes.js';

/**
 * The projected volume that replaces a legacy token Secret volume. It projects the same three files
 * a token Secret holds (`token`, `ca.crt`, `namespace`), so the containers' mounts keep working, but
 * the token is bound to the pod, expires, and is rotated by the kubelet. 3607 s is what admission
 * gives its own kube-api-access volume (k/k plugin/pkg/admission/serviceaccount/admission.go).
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

interface PodSpecLike {
  volumes?: Array<{ name: string; secret?: { secretName?: string; defaultMode?: number; items?: Array<{ key: string; path: string }> } }>;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
}

/**
 * Operations on a pod spec (paths relative to it) that swap every volume of Secret `secret` for
 * the projected token, each guarded by a `test` so a spec changed since is refused, not clobbered.
 * When the pods run as another ServiceAccount than the token's (`tokenServiceAccount`, when known),
 * the spec is switched to the token's, so the app keeps the identity it had.
 */
export function projectionOps(podSpec: PodSpecLike, secret: string, tokenServiceAccount: string | undefined): { ops: SpecPatchOp[]; notes: string[] } | undefined {
  const ops: SpecPatchOp[] = [];
  const notes: string[] = [];
  (podSpec.volumes ?? []).forEach((v, i) => {
    if (v.secret?.secretName !== secret) return;
    ops.push({ op: 'test', path: `/volumes/${i}/secret/secretName`, value: secret });
    ops.push({ op: 'replace', path: `/volumes/${i}`, value: projectedTokenVolume(v.name, v.secret) });
  });
  if (ops.length === 0) return undefined;
  const podSa = podSpec.serviceAccountName ?? 'default';
  if (tokenServiceAccount && podSa !== tokenServiceAccount) {
    ops.push({ op: podSpec.serviceAccountName ? 'replace' : 'add', path: '/serviceAccountName', value: tokenServiceAccount });
    notes.push(`the pods ran as ServiceAccount "${podSa}" but used the token of "${tokenServiceAccount}": the template now runs as "${tokenServiceAccount}" to keep that identity`);
  }
  if (podSpec.automountServiceAccountToken === false) {
    notes.push('automountServiceAccountToken is false on the template: the projected volume above is mounted explicitly, so that is fine');
  }
  return { ops, notes };
}
