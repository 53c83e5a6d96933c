/**
 * Pods on create: the ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount
 * admission.go Admit + Validate) — default SA, SA must exist, automount precedence pod > SA > true,
 * the `kube-api-access-xxxxx` projected volume (TokenVolumeSource) and its read-only mounts on init
 * and app containers (not ephemeral ones; not where a mount at the path exists), the SA's
 * imagePullSecrets, `kubernetes.io/enforce-mountable-secrets`, mirror pods' restrictions — then
 * defaults, validation, and what the scheduler and kubelet would do next (bind to a Ready node,
 * report Running).
 */
import { createHash } from 'node:crypto';
import type { Cluster } from '../cluster';
import { invalid, qualified, StatusError } from '../errors';
import { randomSuffix, rfc3339 } from '../store/store';
import type { KubeObject } from '../store/types';
import type { AdmissionRequest } from './index';

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
/** serviceaccount.WarnOnlyBoundTokenExpirationSeconds */
export const PROJECTED_TOKEN_EXPIRATION = 3607;
/** Pod annotation: the phase the emulated kubelet reports (default Running). */
export const PHASE_ANNOTATION = 'emulator.satoken.dev/phase';

export function tokenVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: PROJECTED_TOKEN_EXPIRATION, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  };
}

function forbiddenPod(pod: KubeObject, message: string): StatusError {
  // admission.NewForbidden: the name, else the generateName, else "Unknown".
  const name = pod.metadata.name || pod.metadata.generateName || 'Unknown';
  return new StatusError(403, 'Forbidden', `${qualified('pods', '')} "${name}" is forbidden: ${message}`, { name, kind: 'pods' });
}

function isMirrorPod(pod: KubeObject): boolean {
  return !!pod.metadata.annotations?.['kubernetes.io/config.mirror'];
}

/** EnforceMountableSecretsAnnotation: a ServiceAccount with it "true" limits the pod's Secret references. */
export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';

/**
 * The plugin's Validate for mirror pods (admission.go Validate): no ServiceAccount, no Secret
 * references (podutil.VisitPodSecretNames: volumes, env, envFrom, imagePullSecrets), no projected
 * serviceAccountToken sources.
 */
function validateMirrorPod(pod: KubeObject): void {
  const spec = pod.spec;
  if (spec.serviceAccountName || spec.serviceAccount) throw forbiddenPod(pod, 'a mirror pod may not reference service accounts');
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  const hasSecrets =
    (spec.imagePullSecrets ?? []).length > 0 ||
    (spec.volumes ?? []).some((v: any) => v.secret || (v.projected?.sources ?? []).some((s: any) => s.secret)) ||
    containers.some((c: any) => (c.env ?? []).some((e: any) => e.valueFrom?.secretKeyRef) || (c.envFrom ?? []).some((e: any) => e.secretRef));
  if (hasSecrets) throw forbiddenPod(pod, 'a mirror pod may not reference secrets');
  if ((spec.volumes ?? []).some((v: any) => (v.projected?.sources ?? []).some((s: any) => s.serviceAccountToken))) {
    throw forbiddenPod(pod, 'a mirror pod may not use ServiceAccountToken volume projections');
  }
}

/** admission.go limitSecretReferences: every Secret the pod names must be listed by its ServiceAccount. */
function limitSecretReferences(pod: KubeObject, sa: KubeObject): void {
  const spec = pod.spec;
  const mountable = new Set((sa.secrets ?? []).map((s: { name?: string }) => s.name));
  const saName = sa.metadata.name;
  for (const v of spec.volumes ?? []) {
    if (v.secret && !mountable.has(v.secret.secretName)) {
      throw forbiddenPod(pod, `volume with secret.secretName="${v.secret.secretName}" is not allowed because service account ${saName} does not reference that secret`);
    }
  }
  for (const [kind, list] of [['init container', spec.initContainers], ['container', spec.containers]] as const) {
    for (const c of list ?? []) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !mountable.has(ref.name)) {
          throw forbiddenPod(pod, `${kind} ${c.name} with envVar ${e.name} referencing secret.secretName="${ref.name}" is not allowed because service account ${saName} does not reference that secret`);
        }
      }
      for (const e of c.envFrom ?? []) {
        if (e.secretRef && !mountable.has(e.secretRef.name)) {
          throw forbiddenPod(pod, `${kind} ${c.name} with envFrom referencing secret.secretName="${e.secretRef.name}" is not allowed because service account ${saName} does not reference that secret`);
        }
      }
    }
  }
  const pull = new Set((sa.imagePullSecrets ?? []).map((s: { name?: string }) => s.name));
  (spec.imagePullSecrets ?? []).forEach((ref: { name?: string }, i: number) => {
    if (!pull.has(ref.name)) {
      throw forbiddenPod(pod, `imagePullSecrets[${i}].name="${ref.name}" is not allowed because service account ${saName} does not reference that imagePullSecret`);
    }
  });
}

function serviceAccountAdmission(cluster: Cluster, pod: KubeObject): void {
  const spec = pod.spec;
  if (isMirrorPod(pod)) return validateMirrorPod(pod);
  if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || 'default';
  spec.serviceAccount = spec.serviceAccountName;
  const ns = pod.metadata.namespace!;
  const sa = cluster.get('', 'serviceaccounts', ns, spec.serviceAccountName);
  if (!sa) {
    throw forbiddenPod(pod, `error looking up service account ${ns}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`);
  }
  const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
  if (automount) mountServiceAccountToken(spec);
  if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) spec.imagePullSecrets = structuredClone(sa.imagePullSecrets);
  // Validate (after Admit): strconv.ParseBool of the annotation ("1", "t", "TRUE", … count too).
  if (/^(1|t|T|TRUE|true|True)$/.test(sa.metadata.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION] ?? '')) limitSecretReferences(pod, sa);
}

function mountServiceAccountToken(spec: any): void {
  spec.volumes ??= [];
  const existing = (spec.volumes as Array<{ name: string }>).find((v) => v.name.startsWith(TOKEN_VOLUME_PREFIX));
  const volumeName = existing?.name ?? TOKEN_VOLUME_PREFIX + randomSuffix();
  let needsVolume = false;
  for (const list of [spec.initContainers, spec.containers]) {
    for (const c of list ?? []) {
      if ((c.volumeMounts ?? []).some((m: { mountPath: string }) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...(c.volumeMounts ?? []), { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
      needsVolume = true;
    }
  }
  if (!existing && needsVolume) spec.volumes.push(tokenVolume(volumeName));
}

function imagePullPolicy(image: string | undefined): string {
  const ref = (image ?? '').split('@')[0];
  const lastSegment = ref.split('/').pop() ?? '';
  return !lastSegment.includes(':') || lastSegment.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

function defaults(pod: KubeObject): void {
  const spec = pod.spec;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  spec.tolerations ??= [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ];
  // Projected volumes as the decoder defaults them (k/k pkg/apis/core/v1/defaults.go
  // SetDefaults_ProjectedVolumeSource: defaultMode 0644; SetDefaults_ServiceAccountTokenProjection:
  // expirationSeconds one hour).
  for (const v of spec.volumes ?? []) {
    if (!v.projected) continue;
    v.projected.defaultMode ??= 0o644;
    for (const src of v.projected.sources ?? []) {
      if (src.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
    }
  }
  for (const list of [spec.initContainers, spec.containers]) {
    for (const c of list ?? []) {
      c.imagePullPolicy ??= imagePullPolicy(c.image);
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.resources ??= {};
    }
  }
}

function validate(pod: KubeObject): void {
  const name = pod.metadata.name || pod.metadata.generateName || '';
  if (!pod.spec || typeof pod.spec !== 'object') {
    throw invalid('Pod', '', name, [{ field: 'spec.containers', message: 'Required value', reason: 'FieldValueRequired' }]);
  }
  if (!Array.isArray(pod.spec.containers) || pod.spec.containers.length === 0) {
    throw invalid('Pod', '', name, [{ field: 'spec.containers', message: 'Required value', reason: 'FieldValueRequired' }]);
  }
  pod.spec.containers.forEach((c: any, i: number) => {
    if (!c.name) throw invalid('Pod', '', name, [{ field: `spec.containers[${i}].name`, message: 'Required value', reason: 'FieldValueRequired' }]);
    if (!c.image) throw invalid('Pod', '', name, [{ field: `spec.containers[${i}].image`, message: 'Required value', reason: 'FieldValueRequired' }]);
  });
}

function isReady(node: KubeObject): boolean {
  return (node.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

let nextNode = 0;

/**
 * The scheduler's choice: the named node, else the Ready, schedulable nodes whose labels hold every
 * pair of spec.nodeSelector (pkg/scheduler/framework/plugins/nodeaffinity: a node selector is an
 * exact match on labels), in turn. Undefined, with the reason the scheduler would give, when none fits.
 */
function schedule(cluster: Cluster, pod: KubeObject): { node?: string; unschedulable?: string } {
  if (pod.spec.nodeName) return { node: pod.spec.nodeName };
  const all = cluster.store.list(cluster.type('', 'nodes'), undefined).items;
  const usable = all.filter((n) => isReady(n) && !n.spec?.unschedulable);
  const selector = Object.entries((pod.spec.nodeSelector ?? {}) as Record<string, string>);
  const nodes = usable.filter((n) => selector.every(([k, v]) => n.metadata.labels?.[k] === v));
  if (nodes.length) return { node: nodes[nextNode++ % nodes.length].metadata.name };
  if (!usable.length) return { unschedulable: `0/${all.length} nodes are available: no Ready node.` };
  // nodeaffinity.ErrReasonPod, counted over the nodes that were otherwise usable.
  return { unschedulable: `0/${all.length} nodes are available: ${usable.length} node(s) didn't match Pod's node affinity/selector.` };
}

/** An address inside the node's pod CIDR (x.y.z.0/24). */
function podIP(pod: KubeObject, node: KubeObject | undefined): string {
  const h = createHash('sha256').update(`${pod.metadata.namespace}/${pod.metadata.name}/${pod.metadata.generateName ?? ''}/${Math.random()}`).digest();
  const prefix = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(node?.spec?.podCIDR ?? '')?.[1] ?? '10.244.0';
  return `${prefix}.${(h[0] % 250) + 2}`;
}

/** The waiting reason of a pod whose kubelet waits for its volumes. */
export const WAITING_FOR_VOLUMES = 'ContainerCreating';

/**
 * Whether the kubelet's first MountVolume.SetUp would fail: a non-optional Secret or ConfigMap
 * (volume or projected source) that does not exist, or a listed key it lacks (secret.go /
 * configmap.go MakePayload). Upstream the containers then do not start (kubelet.go SyncPod waits
 * for the volumes), so the pod stays Pending with ContainerCreating.
 */
export function volumesWouldFail(cluster: Cluster, pod: KubeObject): boolean {
  const ns = pod.metadata.namespace;
  const missing = (resource: 'secrets' | 'configmaps', name: string, items: Array<{ key: string }> | undefined, optional: boolean | undefined) => {
    if (optional) return false;
    const o = cluster.get('', resource, ns, name);
    if (!o) return true;
    return (items ?? []).some((it) => (o.data ?? {})[it.key] === undefined);
  };
  for (const v of pod.spec.volumes ?? []) {
    if (v.secret && missing('secrets', v.secret.secretName ?? '', v.secret.items, v.secret.optional)) return true;
    if (v.configMap && missing('configmaps', v.configMap.name ?? '', v.configMap.items, v.configMap.optional)) return true;
    for (const src of v.projected?.sources ?? []) {
      if (src.secret && missing('secrets', src.secret.name ?? '', src.secret.items, src.secret.optional)) return true;
      if (src.configMap && missing('configmaps', src.configMap.name ?? '', src.configMap.items, src.configMap.optional)) return true;
    }
  }
  return false;
}

/** The status the kubelet reports once the pod's containers run (also after a late volume setup). */
export function runningStatus(cluster: Cluster, pod: KubeObject, at: Date): Record<string, any> {
  const now = rfc3339(at);
  const nodeObj = cluster.get('', 'nodes', undefined, pod.spec.nodeName);
  const hostIP = (nodeObj?.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address ?? '192.168.49.2';
  const ip = pod.spec.hostNetwork ? hostIP : podIP(pod, nodeObj);
  const cond = (type: string, status = 'True') => ({ type, status, lastProbeTime: null, lastTransitionTime: now });
  return {
    phase: 'Running',
    conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled')],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: pod.status?.startTime ?? now,
    containerStatuses: (pod.spec.containers as any[]).map((c) => ({
      name: c.name,
      state: { running: { startedAt: now } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: c.image.includes('/') ? c.image : `docker.io/library/${c.image}`,
      imageID: '',
      containerID: `containerd://${createHash('sha256').update(`${pod.metadata.name}/${c.name}/${now}`).digest('hex')}`,
      started: true,
    })),
    qosClass: 'BestEffort',
  };
}

/** What the scheduler and the kubelet report for a new pod, at once. */
export function runPod(cluster: Cluster, pod: KubeObject): void {
  const now = rfc3339(cluster.clock.now());
  if ((pod.spec.schedulingGates ?? []).length > 0) {
    // The scheduler leaves a gated pod alone; the apiserver marks it at create (k/k
    // pkg/registry/core/pod/strategy.go applySchedulingGatedCondition). Lifting the gates later
    // does not schedule it here.
    pod.status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }],
      qosClass: 'BestEffort',
    };
    return;
  }
  const { node, unschedulable } = schedule(cluster, pod);
  if (!node) {
    pod.status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'Unschedulable', message: unschedulable }],
      qosClass: 'BestEffort',
    };
    return;
  }
  pod.spec.nodeName = node;
  const nodeObj = cluster.get('', 'nodes', undefined, node);
  const hostIP = (nodeObj?.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address ?? '192.168.49.2';
  if (!pod.metadata.annotations?.[PHASE_ANNOTATION] && volumesWouldFail(cluster, pod)) {
    // The kubelet has the pod but cannot set up its volumes: no sandbox, no IP, containers waiting.
    const names = (pod.spec.containers as any[]).map((c) => c.name).join(' ');
    const c = (type: string, status: string, extra: Record<string, string> = {}) => ({ type, status, lastProbeTime: null, lastTransitionTime: now, ...extra });
    const unready = { reason: 'ContainersNotReady', message: `containers with unready status: [${names}]` };
    pod.status = {
      phase: 'Pending',
      conditions: [c('PodReadyToStartContainers', 'False'), c('Initialized', 'True'), c('Ready', 'False', unready), c('ContainersReady', 'False', unready), c('PodScheduled', 'True')],
      hostIP,
      hostIPs: [{ ip: hostIP }],
      startTime: now,
      containerStatuses: (pod.spec.containers as any[]).map((ct) => ({
        name: ct.name,
        state: { waiting: { reason: WAITING_FOR_VOLUMES } },
        lastState: {},
        ready: false,
        restartCount: 0,
        image: ct.image.includes('/') ? ct.image : `docker.io/library/${ct.image}`,
        imageID: '',
        started: false,
      })),
      qosClass: 'BestEffort',
    };
    return;
  }
  const phase = pod.metadata.annotations?.[PHASE_ANNOTATION] ?? 'Running';
  const running = phase === 'Running';
  const ip = pod.spec.hostNetwork ? hostIP : podIP(pod, nodeObj);
  const cond = (type: string, status = running ? 'True' : 'False') => ({ type, status, lastProbeTime: null, lastTransitionTime: now });
  pod.status = {
    phase: running ? 'Running' : phase === 'CrashLoopBackOff' ? 'Running' : phase,
    conditions: [cond('PodReadyToStartContainers', 'True'), cond('Initialized', 'True'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled', 'True')],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: now,
    containerStatuses: (pod.spec.containers as any[]).map((c) => ({
      name: c.name,
      state: running
        ? { running: { startedAt: now } }
        : phase === 'CrashLoopBackOff'
          ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid ?? ''})` } }
          : { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
      ready: running,
      restartCount: phase === 'CrashLoopBackOff' ? 5 : 0,
      image: c.image.includes('/') ? c.image : `docker.io/library/${c.image}`,
      imageID: '',
      containerID: running ? `containerd://${createHash('sha256').update(`${pod.metadata.name}/${c.name}/${now}`).digest('hex')}` : undefined,
      started: running,
    })),
    qosClass: 'BestEffort',
  };
}

/** `mutatingWebhooks`: the profile's identity webhooks, after the built-in ServiceAccount plugin. */
export function admitPod(cluster: Cluster, a: AdmissionRequest, mutatingWebhooks?: (cluster: Cluster, pod: KubeObject) => void): void {
  const pod = a.object;
  if (a.op !== 'CREATE') return;
  validate(pod);
  serviceAccountAdmission(cluster, pod);
  if (!isMirrorPod(pod)) mutatingWebhooks?.(cluster, pod);
  defaults(pod);
  runPod(cluster, pod);
}
