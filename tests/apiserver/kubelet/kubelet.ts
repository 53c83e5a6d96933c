/**
 * The emulated kubelets (one logic for every node): lazily, on the emulated clock, they keep each
 * running pod's volumes and file systems as a real kubelet would. Nothing runs on timers: the
 * platform calls `sync()` (e.g. before serving a request and after the clock moves).
 *
 * Laziness never reorders what a client observes (issue 16): a pod reported Running has had its
 * volumes set up (`podRunning`, called in the store's event; `setUpPending` before a write to what
 * the volumes read), a first lazy setup is dated when the pod became Running, and a token refreshed
 * by a late sync is fetched (and its files written) at the token manager's last refresh point
 * before now, not at the sync's time. Events of a mount failure found late are dated when it began.
 *
 * Per running pod on a Ready node:
 * - every container gets a file system (base image files + its volume mounts);
 * - projected volumes (serviceAccountToken / configMap / secret / downwardAPI sources), secret and
 *   configMap volumes are written with the AtomicWriter layout (filesystem.ts);
 * - serviceAccountToken sources are fetched through the real TokenRequest logic as the kubelet asks
 *   for them (pod-bound, the source's audience or the API audiences, expirationSeconds default 3600)
 *   and refreshed by the token manager's rule (rotation.ts);
 * - a failed fetch without a usable cached token records the Warning Event FailedMount
 *   `MountVolume.SetUp failed for volume "<vol>" : <err>` (at most every 122 s per volume, the
 *   kubelet's maximum retry backoff), and leaves the old files in place.
 * Pods on a node whose Ready condition is not True are left alone: no rotation, no events.
 *
 * Emulated workload behaviour, from pod annotations:
 * - `emulator.satoken.dev/token-read`: `always` (default; re-reads the token file for every API
 *   request, as the official clients do), `startup` (reads it once when first mounted and caches it
 *   forever), `never` (does not talk to the API server);
 * - `emulator.satoken.dev/image`: `debian` | `busybox` | `distroless` — what exec finds in the
 *   container; default inferred from the first container's image name (distroless, busybox/alpine,
 *   else debian);
 * - `emulator.satoken.dev/user-agent`: the app's User-Agent (default `<container-name>/1.0`);
 * - `emulator.satoken.dev/token-path`: the file the app reads (default the standard SA token path).
 */
import { createHash } from 'node:crypto';
import type { Container, EmulatorHost, Node, Pod, ProjectedSource, Volume } from '../host';
import { createTokenRequest } from '../tokens/token-request';
import { badRequestStatus, notFoundStatus, type StatusObject } from '../tokens/status';
import { atomicWrite, FsError, nanosOf, setVolumeOwnership, VirtualFS, type Inode, type Payload } from './filesystem';
import { execInContainer, type ImageKind } from './exec';
import { cacheKey, getServiceAccountToken, lastRefreshAt, type CachedToken } from './rotation';

export const ANNOTATION_TOKEN_READ = 'emulator.satoken.dev/token-read';
export const ANNOTATION_IMAGE = 'emulator.satoken.dev/image';
export const ANNOTATION_USER_AGENT = 'emulator.satoken.dev/user-agent';
export const ANNOTATION_TOKEN_PATH = 'emulator.satoken.dev/token-path';
export const SA_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';
/** Max backoff of the kubelet's volume operations (2m2s): the spacing of repeated FailedMount events. */
export const FAILED_MOUNT_EVENT_INTERVAL_SECONDS = 122;

export type TokenReadMode = 'always' | 'startup' | 'never';

export interface KubeletOptions {
  /**
   * Make the kubelet's TokenRequest fail for a pod (e.g. the API server unreachable from the node):
   * return the error text, or undefined to let the request through.
   */
  tokenRequestFault?: (pod: Pod) => string | undefined;
}

interface VolumeState {
  mount: Inode;
  tokens: Map<number, CachedToken>;
  lastEventAt?: number;
  /** Last error, for the platform's curiosity. */
  error?: string;
}

interface PodState {
  uid: string;
  volumeFs: VirtualFS;
  containers: Map<string, VirtualFS>;
  volumes: Map<string, VolumeState>;
  appToken?: string;
  appStarted: boolean;
  writes: number;
}

/** The Status kubelet writes on the exec error channel (v4/v5), or the HTTP error before upgrade. */
export type KubeletExecResult =
  | { ok: true; stdout: string; stderr: string; exitCode: number; status: ExecStatus }
  | { ok: false; status: StatusObject };

export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: Array<{ reason?: string; message: string }> };
  code?: number;
}

export interface AppToken {
  token: string;
  userAgent: string;
  mode: Exclude<TokenReadMode, 'never'>;
}

export class Kubelet {
  private pods = new Map<string, PodState>();
  private seq = 0;

  constructor(
    private readonly host: EmulatorHost,
    private readonly opts: KubeletOptions = {},
  ) {}

  /** Bring every running pod up to date with the emulated clock. Idempotent and cheap when nothing is due. */
  sync(now: Date = this.host.now()): void {
    const seen = new Set<string>();
    for (const pod of this.host.listPods()) {
      if (!pod.spec.nodeName) continue;
      if (waitingForVolumes(pod)) {
        seen.add(podKey(pod));
        this.podWaiting(pod, now);
        continue;
      }
      if (pod.status?.phase !== 'Running') continue;
      seen.add(podKey(pod));
      this.syncPod(pod, now);
    }
    for (const key of [...this.pods.keys()]) if (!seen.has(key)) this.pods.delete(key);
  }

  /**
   * A pod was just reported Running (the store's event, synchronously): set up its volumes now, as
   * upstream's kubelet does before it starts any container (pkg/kubelet/kubelet.go SyncPod:
   * volumeManager.WaitForAttachAndMount precedes containerRuntime.SyncPod), so its projected token
   * is issued for the ServiceAccount as it is at this instant.
   */
  podRunning(pod: Pod, now: Date = this.host.now()): void {
    if (pod.status?.phase !== 'Running' || !pod.spec.nodeName) return;
    const state = this.pods.get(podKey(pod));
    if (state && state.uid === pod.metadata.uid) return;
    this.syncPod(pod, now);
  }

  /**
   * Before a write that could change what a pod's volumes get (its ServiceAccount, a Secret or
   * ConfigMap of its namespace, its Node): set up every pod already reported Running whose volumes
   * the emulator has not set up yet (bulk-loaded pods, or pods created before the kubelet was
   * wired), against the world as it still is. Pods already set up are left to their next sync.
   */
  setUpPending(scope: { namespace?: string; nodeName?: string }, now: Date = this.host.now()): void {
    const pods = scope.namespace !== undefined && this.host.listPodsIn ? this.host.listPodsIn(scope.namespace) : this.host.listPods();
    for (const pod of pods) {
      if (pod.status?.phase !== 'Running' || !pod.spec.nodeName) continue;
      if (scope.namespace !== undefined && (pod.metadata.namespace ?? 'default') !== scope.namespace) continue;
      if (scope.nodeName !== undefined && pod.spec.nodeName !== scope.nodeName) continue;
      const state = this.pods.get(podKey(pod));
      if (state && state.uid === pod.metadata.uid) continue;
      this.syncPod(pod, now);
    }
  }

  /**
   * A pod whose containers wait for its volumes (admission found a mount that would fail): try to
   * set them up; on success report its containers running (host.startPod), else FailedMount.
   */
  podWaiting(pod: Pod, now: Date = this.host.now()): void {
    if (!pod.spec.nodeName || !nodeReady(this.host.getNode(pod.spec.nodeName))) return;
    const key = podKey(pod);
    let state = this.pods.get(key);
    if (state && state.uid !== pod.metadata.uid) state = undefined;
    if (!state) {
      state = this.createPodState(pod, now);
      this.pods.set(key, state);
    }
    this.syncVolumes(pod, state, now);
    if (![...state.volumes.values()].every((v) => v.error === undefined) || !this.host.startPod) return;
    this.host.startPod(pod.metadata.namespace ?? 'default', pod.metadata.name, now);
    this.startApp(pod, state, now);
  }

  /** After a Secret or ConfigMap of the namespace changed: retry the pods waiting for their volumes. */
  retryWaiting(namespace: string, now: Date = this.host.now()): void {
    const pods = this.host.listPodsIn ? this.host.listPodsIn(namespace) : this.host.listPods();
    for (const pod of pods) if ((pod.metadata.namespace ?? 'default') === namespace && pod.spec.nodeName && waitingForVolumes(pod)) this.podWaiting(pod, now);
  }

  private syncPod(pod: Pod, now: Date): void {
    const key = podKey(pod);
    let state = this.pods.get(key);
    if (state && state.uid !== pod.metadata.uid) {
      this.pods.delete(key);
      state = undefined;
    }
    if (!nodeReady(this.host.getNode(pod.spec.nodeName!))) return;
    if (!state) {
      // Set up as of the moment the pod became Running (its volumes were mounted then, at the
      // latest): a lazy first sync issues the first token at that time, and the catch-up below
      // brings it to the token manager's last refresh before `now`.
      const setUpAt = runningSince(pod, now);
      state = this.createPodState(pod, setUpAt);
      this.pods.set(key, state);
      this.syncVolumes(pod, state, setUpAt);
      this.startApp(pod, state, setUpAt);
    }
    this.syncVolumes(pod, state, now);
    this.startApp(pod, state, now);
  }

  /** The app's client starts once its token file is there (a `startup` app reads it only then). */
  private startApp(pod: Pod, state: PodState, now: Date): void {
    if (state.appStarted || readMode(pod) === 'never') return;
    const fs = state.containers.get(pod.spec.containers[0]!.name)!;
    try {
      state.appToken = fs.read(tokenPath(pod), nanosOf(now)).toString('utf8');
      state.appStarted = true;
    } catch {
      // the token file is not there (yet): the app keeps failing to start its client
    }
  }

  /** A container's file system (after `sync`), for tests and the exec transport. */
  fileSystem(namespace: string, podName: string, container?: string): VirtualFS | undefined {
    const pod = this.host.getPod(namespace, podName);
    const state = this.pods.get(`${namespace}/${podName}`);
    if (!pod || !state) return undefined;
    return state.containers.get(container ?? defaultContainer(pod).name);
  }

  /** Token-manager state of a pod's projected tokens: volume → source index → TokenRequest. */
  cachedTokens(namespace: string, podName: string): Map<string, CachedToken[]> {
    const state = this.pods.get(`${namespace}/${podName}`);
    const out = new Map<string, CachedToken[]>();
    for (const [name, v] of state?.volumes ?? []) out.set(name, [...v.tokens.values()]);
    return out;
  }

  /**
   * The token the pod's app presents on its next API request, applying its read mode (an `always`
   * app reads the file now, which may move its atime). undefined: the app makes no requests or has
   * no token.
   */
  appToken(namespace: string, podName: string, now: Date = this.host.now()): AppToken | undefined {
    const pod = this.host.getPod(namespace, podName);
    const state = this.pods.get(`${namespace}/${podName}`);
    if (!pod || !state) return undefined;
    const mode = readMode(pod);
    const userAgent = pod.metadata.annotations?.[ANNOTATION_USER_AGENT] ?? `${pod.spec.containers[0]!.name}/1.0`;
    if (mode === 'never') return undefined;
    if (mode === 'startup') return state.appToken ? { token: state.appToken, userAgent, mode } : undefined;
    const fs = state.containers.get(pod.spec.containers[0]!.name)!;
    try {
      const token = fs.read(tokenPath(pod), nanosOf(now)).toString('utf8');
      return { token, userAgent, mode };
    } catch {
      return undefined;
    }
  }

  /** Run `argv` in a container, as the kubelet's streaming server would. */
  exec(namespace: string, podName: string, container: string | undefined, argv: string[], now: Date = this.host.now()): KubeletExecResult {
    const pod = this.host.getPod(namespace, podName);
    if (!pod) return { ok: false, status: notFoundStatus('pods', podName) };
    const name = container ?? defaultContainer(pod).name;
    const spec = pod.spec.containers.find((c) => c.name === name);
    if (!spec) return { ok: false, status: badRequestStatus(`container ${name} is not valid for pod ${podName}`) };
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
      return { ok: false, status: badRequestStatus(`cannot exec into a container in a completed pod; current phase is ${pod.status.phase}`) };
    }
    if (!pod.spec.nodeName) return { ok: false, status: badRequestStatus(`pod ${podName} does not have a host assigned`) };
    const state = this.pods.get(`${namespace}/${podName}`);
    const fs = state?.containers.get(name);
    if (!state || !fs || pod.status?.phase !== 'Running') {
      return { ok: false, status: badRequestStatus(`container not found (${JSON.stringify(name)})`) };
    }
    const execId = createHash('sha256').update(`${pod.metadata.uid}/${name}/${this.seq++}`).digest('hex');
    const r = execInContainer(argv, {
      fs,
      image: imageKind(pod, spec),
      now,
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', ...containerEnv(spec) },
      hostname: podName,
      execId,
    });
    if ('runtimeError' in r) {
      // Wrapped twice: the kubelet's streaming server reports NewInternalError(err) on the SPDY error
      // stream, which the API server's WebSocket translator reads back as a plain error and wraps again
      // (k8s.io/apiserver pkg/util/proxy/streamtranslator.go: writeStatus(apierrors.NewInternalError(err))).
      // kubectl exec against v1.36.3 prints "Internal error occurred: Internal error occurred: error executing …".
      const once = `Internal error occurred: ${r.runtimeError}`;
      return {
        ok: true,
        stdout: '',
        stderr: '',
        exitCode: -1,
        status: { metadata: {}, status: 'Failure', message: `Internal error occurred: ${once}`, reason: 'InternalError', details: { causes: [{ message: once }] }, code: 500 },
      };
    }
    const status: ExecStatus =
      r.exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${r.exitCode}`,
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(r.exitCode) }] },
          };
    return { ok: true, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, status };
  }

  // ---- internals -----------------------------------------------------------------------------

  private createPodState(pod: Pod, now: Date): PodState {
    const start = pod.status?.startTime ? new Date(pod.status.startTime) : now;
    const t = nanosOf(start, 123456789 % 1_000_000);
    const volumeFs = new VirtualFS(t);
    const state: PodState = { uid: pod.metadata.uid, volumeFs, containers: new Map(), volumes: new Map(), appStarted: false, writes: 0 };
    for (const v of pod.spec.volumes ?? []) {
      if (v.projected || v.secret || v.configMap) state.volumes.set(v.name, { mount: volumeFs.mountTmpfs(`/${v.name}`, t), tokens: new Map() });
    }
    for (const c of pod.spec.containers) {
      const fs = baseImage(pod, c, t);
      for (const m of c.volumeMounts ?? []) {
        const vol = state.volumes.get(m.name);
        if (!vol) continue;
        const slash = m.mountPath.replace(/\/$/, '').lastIndexOf('/');
        const parent = fs.mkdirp(m.mountPath.slice(0, slash) || '/', t);
        parent.children!.set(m.mountPath.replace(/\/$/, '').slice(slash + 1), vol.mount);
        // Secret, configMap and projected volumes report ReadOnly, so the kubelet mounts them
        // read-only whatever the volumeMount says (k/k pkg/kubelet/kubelet_pods.go makeMounts,
        // `mount.ReadOnly || mustMountRO`; made so by kubernetes/kubernetes#58720): a read in the
        // container leaves the file's atime as it was.
        fs.readOnlyMounts.add(vol.mount);
      }
      state.containers.set(c.name, fs);
    }
    return state;
  }

  private syncVolumes(pod: Pod, state: PodState, now: Date): void {
    for (const volume of pod.spec.volumes ?? []) {
      const vs = state.volumes.get(volume.name);
      if (!vs) continue;
      const { payload, errors, failingSince, writtenAt } = this.payload(pod, volume, vs, now);
      if (errors.length > 0) {
        vs.error = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
        // The first event of a failure is dated when the failure began (the kubelet's sync then), even
        // when this sync runs later (a clock jump); later repeats are folded by the recorder.
        if (vs.lastEventAt === undefined && failingSince && failingSince.getTime() < now.getTime()) this.failedMount(pod, volume.name, vs, failingSince);
        const due = vs.lastEventAt === undefined || now.getTime() - vs.lastEventAt >= FAILED_MOUNT_EVENT_INTERVAL_SECONDS * 1000;
        if (due) this.failedMount(pod, volume.name, vs, now);
        continue;
      }
      vs.error = undefined;
      vs.lastEventAt = undefined;
      const random = Number.parseInt(createHash('sha256').update(`${pod.metadata.uid}/${volume.name}/${state.writes++}`).digest('hex').slice(0, 8), 16);
      const wrote = atomicWrite(state.volumeFs, vs.mount, payload, writtenAt, nanosOf(writtenAt, random % 1_000_000), random, { uid: 0, gid: 0 });
      const fsGroup = pod.spec.securityContext?.fsGroup;
      // The plugins' SetUpAt runs SetVolumeOwnership after each write (AtomicWriter.Write's setPerms).
      if (wrote && typeof fsGroup === 'number') setVolumeOwnership(vs.mount, fsGroup);
    }
  }

  /** Warning FailedMount, as the kubelet's volume manager reports a failed MountVolume.SetUp (operation_generator.go). */
  private failedMount(pod: Pod, volumeName: string, vs: VolumeState, at: Date): void {
    vs.lastEventAt = at.getTime();
    this.host.recordEvent({
      namespace: pod.metadata.namespace ?? 'default',
      involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
      type: 'Warning',
      reason: 'FailedMount',
      message: `MountVolume.SetUp failed for volume ${JSON.stringify(volumeName)} : ${vs.error}`,
      source: { component: 'kubelet', host: pod.spec.nodeName },
      timestamp: new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    });
  }

  /**
   * The volume's files as of `now`. A projected token due for refresh is fetched at the token
   * manager's last refresh point at or before `now` (refreshedAt), not at `now`: after a clock jump
   * the file holds the token a kubelet syncing all along would hold, issued (and written) then.
   */
  private payload(pod: Pod, volume: Volume, vs: VolumeState, now: Date): { payload: Payload; errors: string[]; failingSince?: Date; writtenAt: Date } {
    const payload: Payload = new Map();
    const errors: string[] = [];
    let failingSince: Date | undefined;
    let writtenAt = now;
    const ns = pod.metadata.namespace ?? 'default';
    const defaultMode = volume.projected?.defaultMode ?? volume.secret?.defaultMode ?? volume.configMap?.defaultMode ?? 0o644;
    const sources: ProjectedSource[] = volume.projected
      ? volume.projected.sources ?? []
      : volume.secret
        ? [{ secret: { name: volume.secret.secretName ?? '', items: volume.secret.items, optional: volume.secret.optional } }]
        : [{ configMap: { name: volume.configMap?.name ?? '', items: volume.configMap?.items, optional: volume.configMap?.optional } }];
    let fresh: Date | undefined;
    sources.forEach((src, idx) => {
      if (src.serviceAccountToken) {
        // Every serviceAccountToken source is fetched on its own (projected.go collectData): the
        // admission plugin's default one, and any a user or identity webhook adds (IRSA's
        // aws-iam-token, AKS's azure-identity-token) with their own audience, expiry and path.
        const tp = src.serviceAccountToken;
        const saName = pod.spec.serviceAccountName ?? 'default';
        const audiences = tp.audience ? [tp.audience] : undefined;
        const exp = tp.expirationSeconds ?? 3600;
        const ref = { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid };
        const key = cacheKey(saName, ns, audiences, exp, ref);
        const cached = vs.tokens.get(idx);
        const at = cached ? lastRefreshAt(cached.tokenRequest, now) : now;
        const outcome = getServiceAccountToken(cached, key, now, () => {
          const fault = this.opts.tokenRequestFault?.(pod);
          if (fault) return { ok: false, error: fault };
          const r = createTokenRequest(hostAt(this.host, at), ns, saName, { spec: { audiences, expirationSeconds: exp, boundObjectRef: ref } });
          return r.ok ? { ok: true, tokenRequest: r.tokenRequest } : { ok: false, error: r.status.message };
        });
        if (outcome.kind === 'failed') {
          errors.push(outcome.error);
          // A cached token fails the mount once it has expired; a first fetch fails at once.
          const since = cached ? new Date(Date.parse(cached.tokenRequest.status.expirationTimestamp) + 1000) : now;
          if (!failingSince || since < failingSince) failingSince = since;
          return;
        }
        if (outcome.kind === 'fresh' && (!fresh || at > fresh)) fresh = at;
        vs.tokens.set(idx, outcome.cached);
        // projected.go collectData: a token file is 0600 (and owned by FsUser) when the pod has an
        // fsUser or fsGroup — SetVolumeOwnership then makes it 0640 for the group; else defaultMode.
        const fsUser = fsUserFrom(pod);
        const restricted = fsUser !== undefined || typeof pod.spec.securityContext?.fsGroup === 'number';
        payload.set(tp.path, { content: Buffer.from(outcome.cached.tokenRequest.status.token), mode: restricted ? 0o600 : defaultMode, uid: fsUser });
      } else if (src.configMap) {
        const cm = this.host.getConfigMap(ns, src.configMap.name);
        if (!cm) {
          if (!src.configMap.optional) errors.push(`configmap ${JSON.stringify(src.configMap.name)} not found`);
          return;
        }
        const data = cm.data ?? {};
        const items = src.configMap.items ?? Object.keys(data).map((k) => ({ key: k, path: k }));
        for (const it of items) {
          if (data[it.key] === undefined) {
            if (!src.configMap.optional) errors.push(`configmap references non-existent config key: ${it.key}`);
            continue;
          }
          payload.set(it.path, { content: Buffer.from(data[it.key]!), mode: (it as { mode?: number }).mode ?? defaultMode });
        }
      } else if (src.secret) {
        const secret = this.host.getSecret(ns, src.secret.name);
        if (!secret) {
          if (!src.secret.optional) errors.push(`secret ${JSON.stringify(src.secret.name)} not found`);
          return;
        }
        const data = secret.data ?? {};
        const items = src.secret.items ?? Object.keys(data).map((k) => ({ key: k, path: k }));
        for (const it of items) {
          if (data[it.key] === undefined) {
            if (!src.secret.optional) errors.push(`references non-existent secret key: ${it.key}`);
            continue;
          }
          payload.set(it.path, { content: Buffer.from(data[it.key]!, 'base64'), mode: (it as { mode?: number }).mode ?? defaultMode });
        }
      } else if (src.downwardAPI) {
        for (const it of src.downwardAPI.items ?? []) {
          const v = fieldValue(pod, it.fieldRef?.fieldPath ?? '');
          if (v !== undefined) payload.set(it.path, { content: Buffer.from(v), mode: (it as { mode?: number }).mode ?? defaultMode });
        }
      }
    });
    if (fresh) writtenAt = fresh;
    return { payload, errors, failingSince, writtenAt };
  }
}

/** The host as it was at `at` (the token manager's refresh time): only the clock differs. */
function hostAt(host: EmulatorHost, at: Date): EmulatorHost {
  if (at.getTime() === host.now().getTime()) return host;
  return Object.create(host, { now: { value: () => at } }) as EmulatorHost;
}

/**
 * When the pod became Running as far as its status says (its containers' running.startedAt, else
 * status.startTime), capped at now; the volumes were set up by then. Whole seconds in the status:
 * the instant is within that second, so the setup time is the end of it, or now if sooner.
 */
function runningSince(pod: Pod, now: Date): Date {
  const times = (pod.status?.containerStatuses ?? []).map((c) => Date.parse(c.state?.running?.startedAt ?? '')).filter((t) => !Number.isNaN(t));
  const start = times.length ? Math.min(...times) : Date.parse(pod.status?.startTime ?? '');
  if (Number.isNaN(start)) return now;
  return new Date(Math.min(now.getTime(), start + 999));
}

/**
 * pkg/volume/util/util.go FsUserFrom: the effective runAsUser (container's, else the pod's) shared
 * by every container (init, app and ephemeral: AllFeatureEnabledContainers); undefined when one has
 * none or two differ.
 */
export function fsUserFrom(pod: Pod): number | undefined {
  let fsUser: number | undefined;
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers, ...((pod.spec.ephemeralContainers as Container[] | undefined) ?? [])];
  for (const c of all) {
    const runAsUser = c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
    if (typeof runAsUser !== 'number' || (fsUser !== undefined && fsUser !== runAsUser)) return undefined;
    fsUser ??= runAsUser;
  }
  return fsUser;
}

/** Pending with its containers waiting in ContainerCreating: the kubelet has not set its volumes up yet. */
export function waitingForVolumes(pod: Pod): boolean {
  if (pod.status?.phase !== 'Pending' || !pod.spec.nodeName || pod.metadata.deletionTimestamp) return false;
  const cs = pod.status.containerStatuses ?? [];
  return cs.length > 0 && cs.every((c) => (c.state as { waiting?: { reason?: string } } | undefined)?.waiting?.reason === 'ContainerCreating');
}

function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

export function nodeReady(node: Node | undefined): boolean {
  return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function readMode(pod: Pod): TokenReadMode {
  const v = pod.metadata.annotations?.[ANNOTATION_TOKEN_READ];
  return v === 'startup' || v === 'never' ? v : 'always';
}

function tokenPath(pod: Pod): string {
  return pod.metadata.annotations?.[ANNOTATION_TOKEN_PATH] ?? SA_TOKEN_PATH;
}

function defaultContainer(pod: Pod): Container {
  const wanted = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  return pod.spec.containers.find((c) => c.name === wanted) ?? pod.spec.containers[0]!;
}

export function imageKind(pod: Pod, container: Container): ImageKind {
  const a = pod.metadata.annotations?.[ANNOTATION_IMAGE];
  if (a === 'debian' || a === 'busybox' || a === 'distroless') return a;
  const image = container.image ?? '';
  if (/distroless|scratch/.test(image)) return 'distroless';
  if (/busybox|alpine/.test(image)) return 'busybox';
  return 'debian';
}

function fieldValue(pod: Pod, path: string): string | undefined {
  switch (path) {
    case 'metadata.namespace': return pod.metadata.namespace ?? 'default';
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.uid': return pod.metadata.uid;
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? 'default';
    case 'spec.nodeName': return pod.spec.nodeName;
    case 'metadata.labels': return Object.entries(pod.metadata.labels ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n');
    case 'metadata.annotations': return Object.entries(pod.metadata.annotations ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n');
    default: return undefined;
  }
}

/** The image's own files. */
function baseImage(pod: Pod, c: Container, t: bigint): VirtualFS {
  const fs = new VirtualFS(t);
  const kind = imageKind(pod, c);
  for (const d of ['etc', 'tmp', 'var/run', 'proc', 'dev', 'root']) fs.mkdirp(`/${d}`, t);
  fs.lookup('/tmp').mode = 0o1777;
  fs.writeFile('/etc/hostname', `${pod.metadata.name}\n`, t);
  fs.writeFile('/etc/hosts', `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.244.0.10\t${pod.metadata.name}\n`, t);
  fs.writeFile('/etc/resolv.conf', `search ${pod.metadata.namespace ?? 'default'}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n`, t);
  if (kind === 'debian') {
    fs.writeFile('/etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n', t);
    for (const b of ['cat', 'ls', 'stat', 'sh', 'date', 'echo', 'head', 'cut', 'base64', 'wc', 'test', 'true', 'false', 'hostname', 'id', 'env']) fs.writeFile(`/usr/bin/${b}`, '', t, { mode: 0o755 });
    fs.symlink('/bin', 'usr/bin', t);
  } else if (kind === 'busybox') {
    fs.writeFile('/bin/busybox', '', t, { mode: 0o755 });
    for (const b of ['cat', 'ls', 'stat', 'sh', 'date', 'echo', 'head', 'cut', 'base64', 'wc', 'test', 'true', 'false', 'hostname', 'id', 'env']) fs.symlink(`/bin/${b}`, 'busybox', t);
  } else {
    fs.writeFile('/etc/os-release', 'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\nVERSION_ID="12"\nHOME_URL="https://github.com/GoogleContainerTools/distroless"\n', t);
  }
  return fs;
}

export { FsError };

/**
 * The container's own `env` entries with a literal value, as the kubelet puts them in the process
 * environment (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables: the spec's variables after the
 * service ones, later entries winning, `$(VAR)` references to earlier ones expanded). Identity
 * webhooks (AWS_WEB_IDENTITY_TOKEN_FILE, AZURE_FEDERATED_TOKEN_FILE, …) are read by apps through
 * these. `valueFrom` sources are not emulated.
 */
function containerEnv(container: { env?: unknown; [field: string]: unknown }): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(container.env)) return out;
  for (const e of container.env as Array<{ name?: unknown; value?: unknown }>) {
    if (typeof e?.name !== 'string') continue;
    const raw = typeof e.value === 'string' ? e.value : '';
    // expansion.MappingFuncFor: $(NAME) of a defined variable expands, $$ escapes, others stay as written.
    out[e.name] = raw.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : name !== undefined && name in out ? out[name]! : m));
  }
  return out;
}
