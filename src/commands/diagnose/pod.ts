/**
 * diagnose POD and diagnose --self: every check on one pod, from one run cache.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { RunCache } from '../../checks/cache.js';
import { got, type CheckContext, type ContainerToken, type DiagnosisSource, type Fetched, type Unavailable } from '../../checks/context.js';
import { CHECKS } from '../../checks/index.js';
import { restartsOffLostNode } from '../../checks/fixes.js';
import { runChecks, summarize, type Summary } from '../../checks/runner.js';
import { chooseContainer, podRef, serviceAccountName } from '../../checks/spec.js';
import { OperationError, UsageError } from '../../errors.js';
import { ApiError } from '../../kube/errors.js';
import type { KubeConnection } from '../../kube/types.js';
import type { Deps, Outcome } from '../types.js';
import { ownReadsIn } from '../own-reads.js';
import { LIMITS } from '../../limits.js';
import { execFileReader, execReader, fileReader, localFileReader } from './readers.js';
import { liveSource, type Inspect } from './source.js';
import { podRequests } from './denied.js';
import { podTokens } from './pod-tokens.js';
import type { Diagnosis, DiagnoseOptions } from './types.js';

export async function diagnosePod(options: DiagnoseOptions, deps: Deps, inspect: Inspect): Promise<Outcome<Diagnosis>> {
  const conn = await deps.kube();
  const namespace = conn.namespace;
  const podName = options.pod!;
  const now = deps.clock();
  const podPromise = conn.api.readPod(namespace, podName);
  // Settled copy for the source: the command itself reports a failed GET (not found → exit 1).
  const pod = podPromise.then(
    (p) => p,
    () => undefined,
  );
  let containerName: string | undefined = options.container;
  const memory = { server: conn.cluster.server, reads: ownReadsIn(deps.io, deps.env) };
  const source = liveSource({
    conn,
    namespace,
    podName,
    pod,
    now,
    cache: new RunCache(),
    inspect,
    readToken: execReader(conn.api, pod, () => containerName, options.exec, memory),
    readFile: execFileReader(conn.api, pod, () => containerName, options.exec),
  });
  // Start what does not need the pod now, so it overlaps the pod's GET.
  const early = [source.podEvents(), source.tokenSecrets(), source.apiServer()];
  const p = await podPromise.catch(async (e: unknown) => {
    // No request left in flight behind the error (they would outlive the command).
    await Promise.allSettled(early);
    throw e;
  });
  const container = pickContainer(p, options.container);
  containerName = container.name;
  // The other containers' tokens tell the pod's requests apart per container (read only when asked).
  let othersRead: Promise<Fetched<ContainerToken[]>> | undefined;
  const others = () => (othersRead ??= podTokens(p, container, (name) => execReader(conn.api, pod, () => name, options.exec, memory)(), inspect, now));
  return finish({ now, pod: p, container, options: { can: options.can, mode: 'pod', paths: options.paths }, data: withAuditLog(source, p, options, others) }, options);
}

export async function diagnoseSelf(options: DiagnoseOptions, deps: Deps, inspect: Inspect): Promise<Outcome<Diagnosis>> {
  const now = deps.clock();
  // Outside a pod (a workstation) there is no pod to diagnose: say so, rather than judge a sketch
  // of one whose every finding ("no token mounted") is true of the workstation, not of any pod.
  // The kubelet sets KUBERNETES_SERVICE_HOST in every container (k/k pkg/kubelet/kubelet_pods.go,
  // getServiceEnvVarMap); a token file there means a token mounted elsewhere (--token-dir).
  if (!deps.env.KUBERNETES_SERVICE_HOST && !(await deps.io.exists(`${options.selfDir}/token`))) {
    throw new OperationError(
      `--self: not running in a pod (KUBERNETES_SERVICE_HOST is unset and ${options.selfDir}/token does not exist)`,
      'to diagnose a pod from here: kubectl satoken diagnose POD -n NAMESPACE',
    );
  }
  const dir = options.selfDir;
  const nsFile = await deps.io.readFile(`${dir}/namespace`, { bytes: LIMITS.tokenFile, what: 'a namespace file' }).then(
    (b) => b.toString('utf8').trim(),
    () => undefined,
  );
  const conn: KubeConnection = await deps.kube();
  const namespace = nsFile || conn.namespace;
  const podName = options.selfPodName;
  const where = { server: conn.cluster.server, namespace, pod: podName ?? '', container: '', path: `${dir}/token` };
  const readToken = fileReader(deps.io, dir, options.stat, { reads: ownReadsIn(deps.io, deps.env), where });
  let podUnknown: Unavailable | undefined;
  let pod: V1Pod | undefined;
  if (!podName) {
    podUnknown = { kind: 'not-applicable', message: 'the pod name is unknown (set POD_NAME from the downward API)' };
  } else {
    try {
      pod = await conn.api.readPod(namespace, podName);
    } catch (e) {
      podUnknown =
        e instanceof ApiError && e.code === 403
          ? { kind: 'forbidden', permission: `get pods in ${namespace}`, message: e.serverMessage || 'Forbidden' }
          : { kind: 'error', message: e instanceof Error ? e.message : String(e) };
    }
  }
  const cache = new RunCache();
  // Read once through the cache: the sketch below needs the ServiceAccount name the token carries.
  const mounted = await cache.once('mounted-token', readToken);
  if (!pod) pod = await sketchPod(namespace, podName ?? '(this pod)', mounted.ok ? mounted.value.raw : undefined, inspect, now);
  const container = podUnknown ? pod.spec!.containers[0] : pickContainer(pod, options.container);
  const source = liveSource({ conn, namespace, podName: pod.metadata?.name ?? '', pod: Promise.resolve(pod), now, cache, inspect, readToken, readFile: localFileReader(deps.io, options.stat) });
  return finish({ now, pod, container, podUnknown, options: { can: options.can, mode: 'self', paths: options.paths }, data: withAuditLog(source, pod, options) }, options);
}

async function finish(ctx: CheckContext, options: DiagnoseOptions): Promise<Outcome<Diagnosis>> {
  const checks = restartsOffLostNode(ctx.pod, await runChecks(ctx, CHECKS, { explain: options.explain }));
  const summary = summarize(checks);
  const { namespace, name } = podRef(ctx.pod);
  const result: Diagnosis = {
    kind: 'Diagnosis',
    pod: { namespace, name, serviceAccountName: serviceAccountName(ctx.pod), node: ctx.pod.spec?.nodeName ?? null, container: ctx.container.name },
    ...summary,
    checks,
  };
  return { result, problem: summary.status === 'failing', inconclusive: withheld(summary), notices: [] };
}

/** The source, plus the pod's refused requests and presented tokens from --audit-log (read once) when logs were given. */
function withAuditLog(source: DiagnosisSource, pod: V1Pod, options: DiagnoseOptions, others?: () => Promise<Fetched<ContainerToken[]>>): DiagnosisSource {
  if (!options.auditLogs?.length) return source;
  const { namespace, name } = podRef(pod);
  const who = { username: `system:serviceaccount:${namespace}:${serviceAccountName(pod)}`, podName: name, podUid: pod.metadata?.uid };
  let read: ReturnType<typeof podRequests> | undefined;
  const all = () => (read ??= podRequests(options.auditLogs, who));
  return {
    ...source,
    deniedRequests: async () => {
      const r = await all();
      return r.ok ? got(r.value.denied) : r;
    },
    tokenUses: async () => {
      const r = await all();
      return r.ok ? r.value.uses : r;
    },
    ...(others ? { podTokens: others } : {}),
  };
}

/** Inconclusive because the cluster withheld something (not by the user's own flag): exit 4. */
export function withheld(s: Summary): boolean {
  return s.status === 'inconclusive' && (s.unverified ?? []).some((u) => !u.byChoice);
}

function pickContainer(pod: V1Pod, name: string | undefined): V1Container {
  const c = chooseContainer(pod, name);
  if (!c) {
    const names = (pod.spec?.containers ?? []).map((x) => x.name).join(', ');
    throw new UsageError(`container ${name} is not valid for pod ${pod.metadata?.name}`, `its containers: ${names}`);
  }
  return c;
}

/** A stand-in pod when the real one cannot be read: what the token says of it. Spec checks skip. */
async function sketchPod(namespace: string, name: string, raw: string | undefined, inspect: Inspect, now: Date): Promise<V1Pod> {
  let sa = 'default';
  let uid: string | undefined;
  let node: string | undefined;
  if (raw) {
    try {
      const t = (await inspect(raw, { now, source: 'self' })).token;
      sa = t.serviceAccount?.name ?? sa;
      uid = t.boundObject?.kind === 'Pod' ? (t.boundObject.uid ?? undefined) : undefined;
      node = t.node?.name ?? undefined;
    } catch {
      // An unreadable token: token-claims reports it.
    }
  }
  return {
    metadata: { namespace, name, ...(uid ? { uid } : {}) },
    spec: { serviceAccountName: sa, ...(node ? { nodeName: node } : {}), containers: [{ name: '(this container)' }] },
  };
}
