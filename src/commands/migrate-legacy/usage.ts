/**
 * Which Secrets a pod uses, and how — the same places upstream's podutil.VisitPodSecretNames looks
 * (volumes, projected sources, env valueFrom, envFrom), less imagePullSecrets (never a token).
 */
import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';

export interface SecretUse {
  secret: string;
  kind: 'volume' | 'env';
  /** Human detail: `volume legacy-token`, `env TOKEN (container app)`, `envFrom (container app)`. */
  how: string;
}

export function secretUses(pod: V1Pod): SecretUse[] {
  return specSecretUses(pod.spec);
}

/** The same for a pod spec: a pod's, or a workload's pod template's. */
export function specSecretUses(spec: V1PodSpec | undefined): SecretUse[] {
  const uses: SecretUse[] = [];
  for (const v of spec?.volumes ?? []) {
    if (v.secret?.secretName) uses.push({ secret: v.secret.secretName, kind: 'volume', how: `volume ${v.name}` });
    for (const s of v.projected?.sources ?? []) {
      if (s.secret?.name) uses.push({ secret: s.secret.name, kind: 'volume', how: `projected volume ${v.name}` });
    }
  }
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef?.name;
      if (ref) uses.push({ secret: ref, kind: 'env', how: `env ${e.name} (container ${c.name})` });
    }
    for (const ef of c.envFrom ?? []) {
      if (ef.secretRef?.name) uses.push({ secret: ef.secretRef.name, kind: 'env', how: `envFrom (container ${c.name})` });
    }
  }
  return uses;
}
