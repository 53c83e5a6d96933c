/**
 * The emulated cluster's state: store, clock, PKI, options, request log, faults, and the hooks
 * the token/kubelet modules plug into. The HTTP layer, controllers and admission all work on it.
 */
import { AuditLog } from './audit/writer';
import type { AuditDetail } from './audit/event';
import type { UserInfo } from './auth/user';
import type { Clock } from './control/clock';
import { Faults } from './control/faults';
import type { ResolvedOptions } from './options';
import type { Pki } from './pki/ca';
import { findResource, ResourceType } from './resources';
import { Store } from './store/store';
import type { KubeObject } from './store/types';

/** One request as the server received and answered it. */
export interface RequestLog {
  method: string;
  /** Path and query string, as sent. */
  path: string;
  /** The authenticated (or impersonated) username; '' when authentication failed. */
  user: string;
  status: number;
  userAgent: string;
  /** Emulated time of the request, RFC 3339. */
  time: string;
  /** Real time the request arrived (Date.now()): how long a client took after it, under load too. */
  receivedMs: number;
  /** Selected request headers tests assert on (Content-Type, Accept, Impersonate-*). */
  headers: Record<string, string>;
  /** What the audit log needs (user, request info, annotations, source IPs); see audit/event.ts. */
  audit?: AuditDetail;
}

/** The outcome of a bearer token check. */
export type BearerResult =
  | { ok: true; user: UserInfo; warnings?: string[]; auditAnnotations?: Record<string, string> }
  | { ok: false; reason: string; auditAnnotations?: Record<string, string> };

/** A handler the token/kubelet integration registers for a virtual resource or subresource. */
export interface ApiHandlerContext {
  user: UserInfo;
  namespace?: string;
  name?: string;
  body: any;
  query: URLSearchParams;
  /** Adds a `Warning: 299 - "…"` response header. */
  warn(text: string): void;
}
export type ApiHandler = (ctx: ApiHandlerContext) => { status?: number; body: unknown };

export class Cluster {
  readonly store: Store;
  readonly faults = new Faults();
  readonly requests: RequestLog[] = [];
  url = '';
  /** Bearer token authenticator (tokens/ module); without it every bearer token is refused. */
  authenticateBearer?: (token: string) => BearerResult;
  /** create handlers keyed "group/resource" or "group/resource/subresource". */
  readonly handlers = new Map<string, ApiHandler>();
  /** Non-resource GET handlers keyed by path (OIDC discovery). */
  readonly nonResource = new Map<string, () => { status?: number; body: unknown; contentType?: string; headers?: Record<string, string> }>();
  /** Legacy token issuer (tokens/ module) for the token controller. */
  issueLegacyToken?: (serviceAccount: KubeObject, secretName: string) => string;
  /** Runs `kubectl exec` commands in a container (the kubelet module's interpreter). */
  execRunner?: import('./exec/types').ExecRunner;
  /** Called after the clock moves (kubelet rotation). */
  readonly onClockAdvance: Array<() => void> = [];
  /**
   * Awaited before each API request is handled (control endpoints aside): a test changes the
   * cluster at an exact point of a client's sequence (a pod created between a scan and a delete).
   */
  readonly beforeRequest: Array<(r: { method: string; path: string }) => void | Promise<void>> = [];

  constructor(
    readonly options: ResolvedOptions,
    readonly clock: Clock,
    readonly pki: Pki,
  ) {
    this.store = new Store(() => clock.now());
  }

  type(group: string, resource: string): ResourceType {
    const t = findResource(group, resource);
    if (!t) throw new Error(`unknown resource ${group}/${resource}`);
    return t;
  }

  get(group: string, resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(this.type(group, resource), namespace, name);
  }

  /** The audit log backend (--audit-log), opened on the first audited request. */
  auditLog?: AuditLog;

  log(entry: RequestLog): void {
    this.requests.push(entry);
    // Keep memory bounded under benchmarks: the newest 50,000 entries.
    if (this.requests.length > 60_000) this.requests.splice(0, this.requests.length - 50_000);
    if (this.options.auditLogPath) {
      this.auditLog ??= new AuditLog({ path: this.options.auditLogPath, now: () => this.clock.now() });
      this.auditLog.write(entry);
    }
  }
}
