/**
 * Emulated app traffic: the workloads' own API requests, so that the audit log shows what a real
 * cluster's would — which token each app presents, with which client.
 *
 * After every clock advance (after the kubelet's sync), each running pod whose app talks to the API
 * server (`emulator.satoken.dev/token-read` is not `never`) and has a request rate sends its share
 * of requests for the time that passed: alternately GET its own pod and LIST the pods of its
 * namespace, AS the token its app holds now (kubelet `appToken`: cached at start-up, re-read from
 * the file, or a legacy Secret token mounted from a Secret), with its configured User-Agent and
 * `X-Forwarded-For: <pod IP>` (so the pod IP is the first source IP, as upstream's SourceIPs reads
 * the chain). The requests are real HTTPS requests to the emulator: authentication, authorization,
 * warnings, last-used labels and the audit log happen exactly as for any client.
 *
 * Rate: the pod annotation `emulator.satoken.dev/api-requests-per-hour` (a number; 0 = silent); without
 * it, DEFAULT_REQUESTS_PER_HOUR when the emulator writes an audit log (`--audit-log`) and the pod is
 * not in kube-system, else none — so clusters without an audit log behave as before. Fractions carry
 * over between advances. At most MAX_REQUESTS_PER_ADVANCE per pod per advance (a one-year jump sends
 * a handful, not a million). The requests of one advance all happen at the time the clock moved to,
 * and are served as of that time even when they arrive after a later advance: each carries a one-use
 * id (TRAFFIC_HEADER) that `madeAt` turns back into its emulated time (the server runs the request
 * under `clock.at`); an id nobody registered is ignored, so no other client can set the clock.
 *
 * The requests are asynchronous: `idle()` resolves when every request sent so far has been answered
 * (await it before the next advance, or before reading the audit log).
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:https';
import type { Cluster } from '../cluster';
import type { Pod } from '../host';
import { ANNOTATION_TOKEN_READ, type Kubelet } from '../kubelet/kubelet';

export const ANNOTATION_REQUESTS_PER_HOUR = 'emulator.satoken.dev/api-requests-per-hour';
export const DEFAULT_REQUESTS_PER_HOUR = 12;
export const MAX_REQUESTS_PER_ADVANCE = 8;
/** The header that carries a request's one-use id (see the header comment). */
export const TRAFFIC_HEADER = 'x-emulator-traffic-id';

const HOUR_MS = 3_600_000;

interface PodTraffic {
  uid: string;
  /** Emulated ms up to which this pod's requests have been accounted. */
  last: number;
  /** Fraction of a request carried to the next advance. */
  carry: number;
}

/** One request the traffic sent, for tests. */
export interface SentRequest {
  pod: string;
  path: string;
  userAgent: string;
  status: number;
}

export class AppTraffic {
  private readonly pods = new Map<string, PodTraffic>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  private pending = 0;
  private waiters: Array<() => void> = [];
  /** One-use ids of requests in flight, with the emulated time each was made. */
  private readonly made = new Map<string, number>();
  /** Every request sent and answered (status 0 = no answer), oldest first; capped at 10,000. */
  readonly sent: SentRequest[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly kubelet: Kubelet,
  ) {}

  /** The requests per hour of a pod's app (see the header). */
  rate(pod: Pod): number {
    const a = pod.metadata.annotations ?? {};
    if (a[ANNOTATION_TOKEN_READ] === 'never') return 0;
    const v = a[ANNOTATION_REQUESTS_PER_HOUR];
    if (v !== undefined) {
      const n = Number(v);
      return Number.isFinite(n) && n > 0 ? n : 0;
    }
    return this.cluster.options.auditLogPath && pod.metadata.namespace !== 'kube-system' ? DEFAULT_REQUESTS_PER_HOUR : 0;
  }

  /** Sends each app's requests for the time since the last tick. Call after the kubelet's sync. */
  tick(): void {
    if (!this.cluster.url) return;
    const now = this.cluster.clock.now();
    const seen = new Set<string>();
    const pods = this.cluster.store.list(this.cluster.type('', 'pods'), undefined).items as unknown as Pod[];
    for (const pod of pods) {
      if (pod.status?.phase !== 'Running' || !pod.spec.nodeName || pod.metadata.deletionTimestamp) continue;
      const rate = this.rate(pod);
      if (rate <= 0) continue;
      const ns = pod.metadata.namespace ?? 'default';
      const key = `${ns}/${pod.metadata.name}`;
      seen.add(key);
      let state = this.pods.get(key);
      if (!state || state.uid !== pod.metadata.uid) {
        const started = Date.parse(pod.status?.startTime ?? pod.metadata.creationTimestamp ?? '');
        state = { uid: pod.metadata.uid, last: Number.isNaN(started) ? now.getTime() : Math.min(started, now.getTime()), carry: 0 };
        this.pods.set(key, state);
      }
      const due = state.carry + ((now.getTime() - state.last) / HOUR_MS) * rate;
      let n = Math.floor(due);
      state.carry = due - n;
      state.last = now.getTime();
      if (n > MAX_REQUESTS_PER_ADVANCE) {
        n = MAX_REQUESTS_PER_ADVANCE;
        state.carry = 0;
      }
      for (let i = 0; i < n; i++) {
        const app = this.kubelet.appToken(ns, pod.metadata.name, now);
        if (!app) break; // no token file (yet): the app's client cannot start
        const path = i % 2 === 0 ? `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}` : `/api/v1/namespaces/${ns}/pods?limit=500`;
        this.send(key, path, app.token, app.userAgent, pod.status?.podIP as string | undefined, now.getTime());
      }
    }
    for (const key of [...this.pods.keys()]) if (!seen.has(key)) this.pods.delete(key);
  }

  /** Resolves when every request sent so far has been answered. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The emulated time the request with this id was made (once: the id is then forgotten). */
  madeAt(id: string): number | undefined {
    const ms = this.made.get(id);
    this.made.delete(id);
    return ms;
  }

  private send(pod: string, path: string, token: string, userAgent: string, podIP: string | undefined, madeMs: number): void {
    const url = new URL(this.cluster.url);
    const id = randomUUID();
    this.made.set(id, madeMs);
    this.pending++;
    let answered = false;
    const done = (status: number) => {
      if (answered) return;
      answered = true;
      this.made.delete(id);
      this.sent.push({ pod, path, userAgent, status });
      if (this.sent.length > 10_000) this.sent.splice(0, this.sent.length - 10_000);
      if (--this.pending === 0) for (const w of this.waiters.splice(0)) w();
    };
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'GET',
        path,
        ca: this.cluster.pki.ca.certPem,
        agent: this.agent,
        headers: {
          Accept: 'application/json',
          Authorization: `Bearer ${token}`,
          'User-Agent': userAgent,
          [TRAFFIC_HEADER]: id,
          ...(podIP ? { 'X-Forwarded-For': podIP } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
        res.on('error', () => done(0));
      },
    );
    req.on('error', () => done(0));
    req.end();
  }
}

const installed = new WeakMap<Cluster, AppTraffic>();

/** Starts the app traffic of a cluster: one tick after every clock advance (after the kubelet's sync). */
export function installAppTraffic(cluster: Cluster, kubelet: Kubelet): AppTraffic {
  const t = new AppTraffic(cluster, kubelet);
  installed.set(cluster, t);
  cluster.onClockAdvance.push(() => t.tick());
  return t;
}

/** The app traffic of a cluster (installed by the platform's wiring). */
export function appTraffic(cluster: Cluster): AppTraffic | undefined {
  return installed.get(cluster);
}
