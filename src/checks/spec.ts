/**
 * Reading a pod spec the way admission and the kubelet do: where the container's token comes
 * from, which projected tokens and Secret tokens it has, and which controller owns the pod.
 * Pure functions of the pod: scan mode runs them on thousands of pods without a request.
 */
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';

/** Where every container expects its ServiceAccount token (KUBERNETES.md §3). */
export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const SECRET_TOKEN_TYPE = 'kubernetes.io/service-account-token';
/** The projected token source admission injects: TokenRequest with 3607 s (extended expiration). */
export const INJECTED_EXPIRATION = 3607;

/** The volume behind the container's token directory, and what kind of token it carries. */
export interface TokenVolume {
  volumeName: string;
  /** The mount path (SA_DIR, or SA_DIR/token with subPath). */
  mountPath: string;
  /** `projected` with a serviceAccountToken source; `secret` = a Secret (legacy token); `other` = none. */
  kind: 'projected' | 'secret' | 'other';
  /** Admission's own volume (`kube-api-access-xxxxx`), as opposed to one the workload declared. */
  injected: boolean;
  /** For a projected token: its source (audience, expirationSeconds, path). */
  audience?: string;
  expirationSeconds?: number;
  /** For a Secret volume: the Secret's name. */
  secretName?: string;
  /** Index of the volume in spec.volumes (JSON patches of the owner's template use it). */
  volumeIndex: number;
  /** Index of the mount in the container's volumeMounts. */
  mountIndex: number;
}

/** A static pod's API mirror: the kubelet runs it without a ServiceAccount token (upstream admission skips it). */
export function isMirrorPod(pod: V1Pod): boolean {
  return pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined;
}

export function podRef(pod: V1Pod): { namespace: string; name: string } {
  return { namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '' };
}

export function serviceAccountName(pod: V1Pod): string {
  return pod.spec?.serviceAccountName || (pod.spec as { serviceAccount?: string } | undefined)?.serviceAccount || 'default';
}

/** -c NAME, else kubectl's default-container annotation, else the first container. */
export function chooseContainer(pod: V1Pod, name?: string): V1Container | undefined {
  const containers = pod.spec?.containers ?? [];
  if (name) return containers.find((c) => c.name === name);
  const preferred = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  return containers.find((c) => c.name === preferred) ?? containers[0];
}

/** The volume mounted at the container's token directory (or its token file), if any. */
export function tokenVolume(pod: V1Pod, container: V1Container): TokenVolume | undefined {
  const mounts = container.volumeMounts ?? [];
  const mountIndex = mounts.findIndex(
    (m) => trimSlash(m.mountPath) === SA_DIR || (trimSlash(m.mountPath) === `${SA_DIR}/token` && !!m.subPath),
  );
  if (mountIndex < 0) return undefined;
  const mount = mounts[mountIndex];
  const volumes = pod.spec?.volumes ?? [];
  const volumeIndex = volumes.findIndex((v) => v.name === mount.name);
  const volume = volumes[volumeIndex];
  const base = {
    volumeName: mount.name,
    mountPath: mount.mountPath,
    injected: mount.name.startsWith('kube-api-access-'),
    volumeIndex,
    mountIndex,
  };
  if (!volume) return { ...base, kind: 'other' };
  const sat = projectedToken(volume);
  if (sat) return { ...base, kind: 'projected', audience: sat.audience, expirationSeconds: sat.expirationSeconds };
  if (volume.secret) return { ...base, kind: 'secret', secretName: volume.secret.secretName };
  return { ...base, kind: 'other' };
}

/**
 * Whether the container sees its token directory read-only, and why; undefined when the spec does
 * not show the mount. The kubelet mounts secret, configMap, downwardAPI and projected volumes
 * read-only whatever the volumeMount says (k/k pkg/kubelet/kubelet_pods.go makeMounts,
 * `mount.ReadOnly || mustMountRO` from the plugin's GetAttributes, e.g. pkg/volume/projected/
 * projected.go; kubernetes/kubernetes#58720), and admission's own mount asks for it anyway
 * (plugin/pkg/admission/serviceaccount/admission.go).
 */
export function tokenMountReadOnly(pod: V1Pod, container: V1Container): { readOnly: boolean; why: string } | undefined {
  const tv = tokenVolume(pod, container);
  if (!tv) return undefined;
  const volume = (pod.spec?.volumes ?? [])[tv.volumeIndex];
  const kind = volume?.projected ? 'projected' : volume?.secret ? 'secret' : volume?.configMap ? 'configMap' : volume?.downwardAPI ? 'downwardAPI' : undefined;
  if (kind) return { readOnly: true, why: `the kubelet mounts the ${kind} volume ${tv.volumeName} read-only` };
  if (container.volumeMounts?.[tv.mountIndex]?.readOnly) return { readOnly: true, why: `the volume ${tv.volumeName} is mounted readOnly` };
  return { readOnly: false, why: `the volume ${tv.volumeName} is mounted writable` };
}

function projectedToken(v: V1Volume): { audience?: string; expirationSeconds?: number; path: string } | undefined {
  for (const s of v.projected?.sources ?? []) {
    if (s.serviceAccountToken) return s.serviceAccountToken;
  }
  return undefined;
}

/** Every projected ServiceAccount token the pod declares, with the paths it is mounted at. */
export function projectedTokens(pod: V1Pod): Array<{ volume: string; audience?: string; expirationSeconds?: number; mountedAt: string[] }> {
  const out = [];
  for (const v of pod.spec?.volumes ?? []) {
    const sat = projectedToken(v);
    if (!sat) continue;
    const mountedAt = (pod.spec?.containers ?? []).flatMap((c) =>
      (c.volumeMounts ?? []).filter((m) => m.name === v.name).map((m) => `${c.name}:${m.mountPath}/${sat.path}`),
    );
    out.push({ volume: v.name, audience: sat.audience, expirationSeconds: sat.expirationSeconds, mountedAt });
  }
  return out;
}

/** Secrets the container reads: mounted Secret volumes and env/envFrom references. */
export interface SecretRef {
  secretName: string;
  /** `volume NAME at PATH`, `env VAR (key KEY)`, `envFrom`. */
  how: string;
  volumeIndex?: number;
  mountIndex?: number;
}

export function secretRefs(pod: V1Pod, container: V1Container): SecretRef[] {
  const refs: SecretRef[] = [];
  const volumes = pod.spec?.volumes ?? [];
  (container.volumeMounts ?? []).forEach((m, mountIndex) => {
    const volumeIndex = volumes.findIndex((v) => v.name === m.name);
    const name = volumes[volumeIndex]?.secret?.secretName;
    if (name) refs.push({ secretName: name, how: `volume ${m.name} at ${m.mountPath}`, volumeIndex, mountIndex });
  });
  for (const e of container.env ?? []) {
    const r = e.valueFrom?.secretKeyRef;
    if (r?.name) refs.push({ secretName: r.name, how: `env ${e.name} (key ${r.key})` });
  }
  for (const e of container.envFrom ?? []) {
    if (e.secretRef?.name) refs.push({ secretName: e.secretRef.name, how: 'envFrom' });
  }
  return refs;
}

/** The controller a `kubectl delete pod` hands the pod back to, and the workload whose template to patch. */
export interface Owner {
  /** The direct controller (ReplicaSet, StatefulSet, DaemonSet, Job), if any. */
  controller?: { apiVersion: string; kind: string; name: string };
  /** The object whose pod template to patch: the Deployment behind a ReplicaSet, else the controller. */
  workload?: { apiVersion: string; kind: string; name: string };
}

export function ownerOf(pod: V1Pod): Owner {
  const ref = (pod.metadata?.ownerReferences ?? []).find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (!ref) return {};
  const controller = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  // A Deployment names its ReplicaSets `<deployment>-<pod-template-hash>` and labels their pods with the hash.
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`)) {
    return { controller, workload: { apiVersion: 'apps/v1', kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1) } };
  }
  return { controller, workload: controller };
}

/** The container's running-since time, from its status. */
export function containerStartedAt(pod: V1Pod, container: string): Date | undefined {
  const st = pod.status?.containerStatuses?.find((s) => s.name === container);
  const t = st?.state?.running?.startedAt;
  return t ? new Date(t) : undefined;
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}
