/**
 * audit.k8s.io/v1 Events as kube-apiserver's log backend writes them at level Metadata, built from
 * what the HTTP front door knew about one request. Pure (the writer stamps ids and times).
 *
 * Upstream (staging/src/k8s.io/apiserver/pkg):
 * - audit/request.go LogRequestMetadata: requestURI, verb (request-info), user {username, uid, groups,
 *   extra} of the AUTHENTICATED user, sourceIPs (utilnet.SourceIPs: X-Forwarded-For, X-Real-Ip, then
 *   the remote address), userAgent (cut at 1024 bytes + "...TRUNCATED"), objectRef for resource
 *   requests {resource, namespace, name, apiGroup, apiVersion, subresource};
 * - audit/context.go LogImpersonatedUser: impersonatedUser;
 * - LogResponseObject: a Status response copies {status, message, reason, details, code};
 *   otherwise the response writer sets only the code;
 * - endpoints/filters/audit.go WithAudit: RequestReceived (stageTimestamp = received time), for
 *   long-running requests ResponseStarted when the header is written, then ResponseComplete;
 * - endpoints/filters/authn_audit.go WithFailedAuthenticationAudit: a refused credential gets ONE
 *   event, stage ResponseStarted, no user; its status is the Unauthorized Status the failed
 *   handler writes (LogResponseObject overwrites the "Authentication failed, attempted: …" message);
 *   annotations added during authentication (legacy-token, legacy-token-invalidated) are on it;
 * - endpoints/filters/authorization.go: `authorization.k8s.io/decision` allow|forbid and
 *   `authorization.k8s.io/reason` (the authorizer's reason text, "" for system:masters).
 * Field order is Go's struct order (encoding/json); maps (extra, annotations) are key-sorted.
 */
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../auth/user';
import { requestInfo, type RequestInfo } from '../http/request-info';

export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete';

/** What the front door knew about a request, for its audit events. */
export interface AuditDetail {
  /** The authenticated user; undefined when authentication failed (the 401 event has no user). */
  user?: UserInfo;
  /** Set when the request impersonated someone (user is then the impersonator). */
  impersonatedUser?: UserInfo;
  info: RequestInfo;
  /** Authentication and authorization annotations, as upstream adds them. */
  annotations: Record<string, string>;
  /** utilnet.SourceIPs of the request. */
  sourceIPs: string[];
  /** The client's Audit-ID header, reused as the auditID (upstream WithAuditInit). */
  auditID?: string;
  /** When the request arrived (emulated clock). */
  receivedAt: Date;
  /** The Status body of the response when it was one (errors). */
  responseStatus?: Record<string, unknown>;
  /** watch, exec, … (WithAudit writes a ResponseStarted event for these). */
  longRunning?: boolean;
}

/** The request summary the cluster logs (cluster.ts RequestLog, the fields used here). */
export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  userAgent: string;
  audit?: AuditDetail;
}

/**
 * The emulator's own annotation (the server log's `Unable to authenticate the request` reason, kept
 * for the request log): kube-apiserver has no such audit annotation, so the log leaves it out.
 */
export const EMULATOR_FAILURE_ANNOTATION = 'authentication.k8s.io/failure';
export const DECISION_ANNOTATION = 'authorization.k8s.io/decision';
export const REASON_ANNOTATION = 'authorization.k8s.io/reason';
const MAX_USER_AGENT = 1024;

/** metav1.MicroTime: RFC 3339 in UTC with exactly six fractional digits. */
export function microTime(ms: number, micros: number): string {
  const iso = new Date(ms).toISOString(); // …T16:00:00.123Z
  return `${iso.slice(0, 23)}${String(Math.max(0, Math.min(999, Math.floor(micros)))).padStart(3, '0')}Z`;
}

/** utilnet.SourceIPs: the X-Forwarded-For chain, X-Real-Ip unless already in it, then the peer. */
export function sourceIPs(req: IncomingMessage): string[] {
  const out: string[] = [];
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const ff = first(req.headers['x-forwarded-for']);
  if (ff) for (const part of ff.split(',')) if (isIP(part.trim())) out.push(part.trim());
  const real = first(req.headers['x-real-ip'])?.trim();
  if (real && isIP(real) && !out.includes(real)) out.push(real);
  const remote = (req.socket?.remoteAddress ?? '').replace(/^::ffff:/, '');
  if (remote && out[out.length - 1] !== remote) out.push(remote);
  return out;
}

function isIP(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (/^[0-9a-fA-F:]+$/.test(s) && s.includes(':'));
}

/** The audit record a request starts with (the front door fills in user, annotations, status). */
export function auditDetail(req: IncomingMessage, receivedAt: Date): AuditDetail {
  const id = req.headers['audit-id'];
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  return {
    info: requestInfo(req.method ?? 'GET', url.pathname, url.searchParams),
    annotations: {},
    sourceIPs: sourceIPs(req),
    receivedAt,
    ...(typeof id === 'string' && id ? { auditID: id } : {}),
  };
}

/**
 * A refused credential: 401 and no authenticated user. (In the emulator only authentication answers
 * 401, so this is WithFailedAuthenticationAudit's case.)
 */
export function failedAuthentication(r: LoggedRequest): boolean {
  return r.status === 401 && !r.audit?.user;
}

/** The stages written for a request, before the policy's omitStages. */
export function stagesOf(r: LoggedRequest): Stage[] {
  if (failedAuthentication(r)) return ['ResponseStarted'];
  if (r.audit?.longRunning) return ['RequestReceived', 'ResponseStarted', 'ResponseComplete'];
  return ['RequestReceived', 'ResponseComplete'];
}

function userInfo(u: UserInfo | undefined): Record<string, unknown> {
  if (!u) return {};
  const out: Record<string, unknown> = { username: u.username };
  if (u.uid) out.uid = u.uid;
  if (u.groups?.length) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) out.extra = sortedObject(u.extra);
  return out;
}

function sortedObject<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}

/** metav1.Status as the audit event carries it (bounded fields only). */
function responseStatus(r: LoggedRequest): Record<string, unknown> {
  const s = r.audit?.responseStatus;
  const out: Record<string, unknown> = { metadata: {} };
  if (s && s.kind === 'Status') {
    if (s.status) out.status = s.status;
    if (s.message) out.message = s.message;
    if (s.reason) out.reason = s.reason;
    if (s.details && Object.keys(s.details as object).length) out.details = s.details;
  }
  out.code = r.status;
  return out;
}

export interface EventStamps {
  auditID: string;
  /** Micro-time strings. */
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/** The Event of one stage of a request. */
export function auditEvent(r: LoggedRequest, stage: Stage, stamps: EventStamps): Record<string, unknown> {
  const d = r.audit;
  const info = d?.info;
  const ev: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: stamps.auditID,
    stage,
    requestURI: r.path,
    verb: info?.verb ?? r.method.toLowerCase(),
    user: userInfo(d?.user),
  };
  if (d?.impersonatedUser) ev.impersonatedUser = userInfo(d.impersonatedUser);
  if (d?.sourceIPs.length) ev.sourceIPs = [...d.sourceIPs];
  if (r.userAgent) ev.userAgent = r.userAgent.length > MAX_USER_AGENT ? `${r.userAgent.slice(0, MAX_USER_AGENT)}...TRUNCATED` : r.userAgent;
  if (info?.isResourceRequest) {
    const ref: Record<string, string> = {};
    if (info.resource) ref.resource = info.resource;
    if (info.namespace) ref.namespace = info.namespace;
    if (info.name) ref.name = info.name;
    if (info.group) ref.apiGroup = info.group;
    if (info.version) ref.apiVersion = info.version;
    if (info.subresource) ref.subresource = info.subresource;
    ev.objectRef = ref;
  }
  if (stage !== 'RequestReceived') ev.responseStatus = responseStatus(r);
  ev.requestReceivedTimestamp = stamps.requestReceivedTimestamp;
  ev.stageTimestamp = stage === 'RequestReceived' ? stamps.requestReceivedTimestamp : stamps.stageTimestamp;
  const annotations = stageAnnotations(d?.annotations ?? {}, stage);
  if (Object.keys(annotations).length) ev.annotations = sortedObject(annotations);
  return ev;
}

/** Authorization runs after RequestReceived is written: its annotations are on the later stages only. */
function stageAnnotations(a: Record<string, string>, stage: Stage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(a).filter(([k]) => k !== EMULATOR_FAILURE_ANNOTATION && (stage !== 'RequestReceived' || !k.startsWith('authorization.k8s.io/'))),
  );
}
