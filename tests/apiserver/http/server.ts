/**
 * The HTTPS front door, in kube-apiserver's filter order: faults/latency (emulator), then
 * authentication (mTLS client certificate, bearer token), impersonation, authorization (RBAC),
 * then the handler. Every request is logged on the cluster.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { auditDetail } from '../audit/event';
import { appTraffic, TRAFFIC_HEADER } from '../audit/traffic';
import { forbidden } from '../auth/forbidden';
import { authorize, Attributes } from '../auth/rbac';
import { ANONYMOUS, UserInfo } from '../auth/user';
import { impersonate } from '../auth/impersonation';
import type { Cluster, RequestLog } from '../cluster';
import { reasonForStatus } from '../control/faults';
import { StatusError, unauthorized } from '../errors';
import { rfc3339 } from '../store/store';
import { ADMIN_GROUP } from '../pki/ca';
import { decodeBody, ProtobufDecoder, readBody } from './body';
import { errorReply, json, Reply, write } from './respond';
import { requestInfo, RequestInfo } from './request-info';
import { route, Upgrade } from './router';

export interface ServerHooks {
  protobuf?: ProtobufDecoder;
  /** WebSocket upgrades (pods/exec), after authentication and authorization. */
  upgrade?: Upgrade;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function clientCertUser(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  const cn = cert.subject.CN;
  const o = cert.subject.O;
  const groups = (Array.isArray(o) ? o : o ? [o] : []).concat('system:authenticated');
  // The certificate's SHA-256 as the credential id, as k8s.io/apiserver
  // pkg/authentication/request/x509/x509.go CommonNameUserConversion sets it.
  const id = `X509SHA256=${createHash('sha256').update(cert.raw).digest('hex')}`;
  return { username: (Array.isArray(cn) ? cn[0] : cn) ?? "", groups, extra: { 'authentication.kubernetes.io/credential-id': [id] } };
}

/** Authentication: the client certificate, else the bearer token, else anonymous. */
function authenticate(cluster: Cluster, req: IncomingMessage, warnings: string[], audit: Record<string, string>): UserInfo {
  const certUser = clientCertUser(req);
  if (certUser) return certUser;
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (!m || !cluster.authenticateBearer) throw unauthorized();
    const result = cluster.authenticateBearer(m[1].trim());
    if (!result.ok) {
      // What kube-apiserver logs as `Unable to authenticate the request err="…"`.
      audit['authentication.k8s.io/failure'] = result.reason;
      // The authenticator's own annotations (legacy-token, legacy-token-invalidated) are lost on a
      // refusal: kube-apiserver's token cache runs it on a detached audit context and copies the
      // annotations to the request only on success (staging/src/k8s.io/apiserver/pkg/authentication/
      // token/cache/cached_token_authenticator.go AuthenticateToken), so the 401 event has none.
      throw unauthorized();
    }
    warnings.push(...(result.warnings ?? []));
    Object.assign(audit, result.auditAnnotations ?? {});
    return result.user;
  }
  return ANONYMOUS;
}

function attributesOf(info: RequestInfo, user: UserInfo): Attributes {
  return info.isResourceRequest
    ? { user, verb: info.verb, isResourceRequest: true, namespace: info.namespace, group: info.group, resource: info.resource, subresource: info.subresource, name: info.name }
    : { user, verb: info.verb, isResourceRequest: false, path: info.path };
}

export function createApiServer(cluster: Cluster, hooks: ServerHooks): Server {
  const sockets = new Set<Socket>();
  const server = createServer({
    key: cluster.pki.server.keyPem,
    cert: cluster.pki.server.certPem,
    ca: cluster.pki.ca.certPem,
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  (server as Server & { destroySockets?: () => void }).destroySockets = () => {
    for (const s of sockets) s.destroy();
  };

  async function prepare(
    req: IncomingMessage,
    audit: Record<string, string>,
  ): Promise<{ url: URL; info: RequestInfo; user: UserInfo; authenticated: UserInfo; warnings: string[]; audit: Record<string, string> }> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const info = requestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    const warnings: string[] = [];
    const authenticated = authenticate(cluster, req, warnings, audit);
    let user = authenticated;
    if (req.headers['impersonate-user'] || req.headers['impersonate-group'] || req.headers['impersonate-uid']) {
      user = impersonate(cluster, req, user);
    }
    return { url, info, user, authenticated, warnings, audit };
  }

  function authorizeRequest(info: RequestInfo, user: UserInfo, audit: Record<string, string>): void {
    const attrs = attributesOf(info, user);
    const d = authorize(cluster.store, attrs);
    // endpoints/filters/authorization.go annotates the decision and the authorizer's reason.
    audit['authorization.k8s.io/decision'] = d.allowed ? 'allow' : 'forbid';
    audit['authorization.k8s.io/reason'] = d.reason;
    if (!d.allowed) throw forbidden(attrs, d.reason);
  }

  /** One entry in the request log (and the audit log) per request, plain or upgraded. */
  function logRequest(req: IncomingMessage, audited: RequestLog['audit'], username: string, status: number, time: Date, receivedMs: number): void {
    cluster.log({
      receivedMs,
      audit: audited,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      user: username,
      status,
      userAgent: String(req.headers['user-agent'] ?? ''),
      time: rfc3339(time),
      headers: pickHeaders(req),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = cluster.clock.now();
    const receivedMs = Date.now();
    const pathAndQuery = req.url ?? '/';
    let username = '';
    let status = 0;
    // Authentication annotations (the failure reason on a 401, stale-token, legacy-token…) for the audit log.
    const audited = auditDetail(req, started);
    // WithAuditInit (staging/src/k8s.io/apiserver/pkg/endpoints/filters/audit_init.go) keeps the
    // client's Audit-ID or makes one, and echoes it on every response.
    audited.auditID ??= randomUUID();
    res.setHeader('Audit-Id', audited.auditID);
    const annotations = audited.annotations;
    const finish = () => logRequest(req, audited, username, status, started, receivedMs);
    try {
      if (cluster.options.latencyMs > 0) await sleep(cluster.options.latencyMs);
      const isControl = pathAndQuery.startsWith('/_emulator/');
      if (!isControl) for (const hook of cluster.beforeRequest) await hook({ method: req.method ?? 'GET', path: pathAndQuery });
      const fault = isControl ? undefined : cluster.faults.take(pathAndQuery);
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.hang) {
        status = 0;
        finish();
        return; // never answered; the socket is destroyed at stop()
      }
      if (fault?.drop) {
        status = 200;
        finish();
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 4096 });
        res.write('{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":');
        setTimeout(() => req.socket.destroy(), 10);
        return;
      }
      if (fault?.status) {
        const code = fault.status;
        const err = new StatusError(code, reasonForStatus(code), code === 500 ? 'Internal error occurred: injected fault' : `injected fault (${code})`);
        throw err;
      }
      const { url, info, user, authenticated, warnings, audit } = await prepare(req, annotations);
      audited.user = authenticated;
      if (user !== authenticated) audited.impersonatedUser = user;
      username = user.username;
      if (isControl) {
        if (!user.groups.includes(ADMIN_GROUP)) throw new StatusError(403, 'Forbidden', `forbidden: User "${user.username}" cannot post path "${url.pathname}"`, {});
      } else {
        authorizeRequest(info, user, audit);
      }
      const raw = await readBody(req);
      const body = decodeBody(raw, req.headers['content-type'], hooks.protobuf, {
        group: info.group,
        version: info.version,
        resource: info.resource,
        subresource: info.subresource,
      });
      const reply: Reply = route(cluster, {
        method: req.method ?? 'GET',
        url,
        info,
        user,
        body,
        contentType: req.headers['content-type'],
        accept: req.headers.accept,
        warn: (t) => warnings.push(t),
        audit,
      }) ?? json(404, new StatusError(404, 'NotFound', 'the server could not find the requested resource').toStatus());
      if (reply.stream) {
        audited.longRunning = true;
        status = reply.status;
        finish();
        reply.stream(req, res);
        return;
      }
      status = reply.status;
      write(res, reply, warnings);
      finish();
    } catch (e) {
      const reply = errorReply(e);
      status = reply.status;
      audited.responseStatus = reply.body as Record<string, unknown>;
      if (!res.headersSent) write(res, reply, []);
      else res.destroy();
      finish();
    }
  }

  server.on('request', (req, res) => {
    // An emulated app's request is served as of the emulated time it was made (audit/traffic.ts).
    const id = req.headers[TRAFFIC_HEADER];
    const madeMs = typeof id === 'string' ? appTraffic(cluster)?.madeAt(id) : undefined;
    if (madeMs === undefined) void handle(req, res);
    else void cluster.clock.at(madeMs, () => handle(req, res));
  });

  server.on('upgrade', async (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const receivedMs = Date.now();
    let username = '';
    let status = 101;
    const audited = { ...auditDetail(req, cluster.clock.now()), longRunning: true };
    const annotations = audited.annotations;
    try {
      if (cluster.options.latencyMs > 0) await sleep(cluster.options.latencyMs);
      const { info, user, authenticated } = await prepare(req, annotations);
      audited.user = authenticated;
      if (user !== authenticated) audited.impersonatedUser = user;
      username = user.username;
      authorizeRequest(info, user, annotations);
      if (!hooks.upgrade || info.subresource !== 'exec' || info.resource !== 'pods') {
        throw new StatusError(400, 'BadRequest', 'Upgrade request required');
      }
      hooks.upgrade(cluster, req, socket, head, info, user);
    } catch (e) {
      const reply = errorReply(e);
      status = reply.status;
      audited.responseStatus = reply.body as Record<string, unknown>;
      const text = JSON.stringify(reply.body);
      socket.end(
        `HTTP/1.1 ${reply.status} ${reply.status === 401 ? 'Unauthorized' : reply.status === 403 ? 'Forbidden' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
    } finally {
      logRequest(req, audited, username, status, cluster.clock.now(), receivedMs);
    }
  });
  return server;
}

function pickHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of ['content-type', 'accept', 'impersonate-user', 'impersonate-group', 'kubectl-command']) {
    const v = req.headers[h];
    if (v !== undefined) out[h] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
