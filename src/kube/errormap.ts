/**
 * Turns what client-node and Node's sockets throw into the typed errors of errors.ts, worded as
 * kubectl words them. Pure of client-node: an ApiException is recognised by its shape
 * ({code: number, body: raw JSON text, headers}), so tests can build one by hand.
 */
import { OperationError } from '../errors.js';
import { TooLargeError } from '../limits.js';
import { printableProxyUrl, type ProxySetting } from './env-proxy.js';
import { ApiError, ConnectionError } from './errors.js';

/** What the mapper needs to know about the failed call. */
export interface CallContext {
  /** e.g. `get pods "web"` — the start of the error line. */
  operation: string;
  /** The API server URL, for connection errors. */
  server: string;
  /** The proxy requests go through, if any. */
  proxy?: ProxySetting;
  /** True when the credentials are the user's own kubeconfig (not a token given to forToken). */
  ownCredentials: boolean;
  /** The --request-timeout in ms, to word a timeout. */
  timeoutMs: number;
}

/** An ApiException from client-node, by shape. */
export interface ApiExceptionLike {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function isApiExceptionLike(e: unknown): e is ApiExceptionLike {
  return typeof e === 'object' && e !== null && typeof (e as ApiExceptionLike).code === 'number' && 'headers' in e;
}

/** A Kubernetes Status object, from whatever client-node put in `.body` (raw JSON text, an object, or nothing). */
export function parseStatus(body: unknown): { reason?: string; message?: string; details?: unknown } {
  let obj: unknown = body;
  if (typeof body === 'string') {
    try {
      obj = JSON.parse(body);
    } catch {
      return { message: body.trim().slice(0, 300) || undefined };
    }
  }
  if (Buffer.isBuffer(obj)) return parseStatus(obj.toString('utf8'));
  if (typeof obj !== 'object' || obj === null) return {};
  const s = obj as { reason?: unknown; message?: unknown; details?: unknown };
  return {
    reason: typeof s.reason === 'string' && s.reason !== '' ? s.reason : undefined,
    message: typeof s.message === 'string' && s.message !== '' ? s.message : undefined,
    details: s.details,
  };
}

/** The Status reason the API server sends for a code, when the body carries none. */
const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function apiErrorFrom(e: ApiExceptionLike, ctx: CallContext): ApiError {
  const status = parseStatus(e.body);
  const reason = status.reason ?? REASONS[e.code] ?? (e.code >= 500 ? 'InternalError' : 'Unknown');
  const message = status.message ?? '';
  if (e.code === 401 && ctx.ownCredentials) {
    return new ApiError(401, reason, message, ctx.operation, status.details, {
      message: 'You must be logged in to the server (Unauthorized)',
      hint: 'the API server rejected the credentials in your kubeconfig: log in again or refresh them, or choose another --context/--user',
    });
  }
  let hint: string | undefined;
  if (e.code === 403) hint = 'RBAC does not allow this: see `kubectl auth can-i --list`, or ask a cluster admin';
  if (e.code === 429) hint = 'the API server is overloaded (API Priority and Fairness); try again later';
  return new ApiError(e.code, reason, message, ctx.operation, status.details, { hint });
}

/** Node's socket / TLS error codes, in kubectl's words. */
const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'no such host',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection reset',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'i/o timeout',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate signed by unknown authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate signed by unknown authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate signed by unknown authority',
  CERT_SIGNATURE_FAILURE: 'certificate signed by unknown authority',
  CERT_HAS_EXPIRED: 'certificate has expired or is not yet valid',
  CERT_NOT_YET_VALID: 'certificate has expired or is not yet valid',
  // TLS alerts from a server that checks client certificates (mTLS): the user's credentials are refused.
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server requires a client certificate',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the server rejected the client certificate',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the server rejected the client certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'the server rejected the client certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'the server rejected the client certificate',
  ERR_SSL_TLSV1_ALERT_ACCESS_DENIED: 'the server rejected the client certificate',
  ERR_SSL_WRONG_VERSION_NUMBER: 'server gave HTTP response to HTTPS client',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'server gave HTTP response to HTTPS client',
};

const HINTS: Record<string, (server: string) => string> = {
  'connection refused': (s) => `is the API server running, and is ${s} the right address?`,
  'no such host': () => "check the server address in the kubeconfig (and your DNS)",
  'certificate signed by unknown authority': () =>
    "the server's certificate is not signed by the CA the kubeconfig trusts: fix the kubeconfig's certificate-authority-data",
  'certificate has expired or is not yet valid': () => "the server's certificate is outside its validity period (check the clocks)",
  // With TLS 1.3 a server that refuses the client certificate often just closes: Node then sees a reset.
  'connection reset': () =>
    'the connection was dropped: try again, or check proxies and load balancers on the way (if the kubeconfig uses a client certificate, the server may have refused it)',
  'the server requires a client certificate': () => "the kubeconfig's user has no client certificate the server accepts: log in again or choose another --user",
  'the server rejected the client certificate': () => "the server does not trust the kubeconfig's client certificate (expired, or from another cluster?): refresh it or choose another --user",
  'server gave HTTP response to HTTPS client': () => 'the server speaks plain HTTP at that address: check the port in the kubeconfig',
};

/**
 * A failure that happened at the proxy rather than at the API server. Through a proxy the client
 * dials only the proxy (the proxy resolves and dials the server), so a refused, unresolvable or
 * unreachable socket is the proxy's; hpagent reports a CONNECT the proxy declined as
 * `Bad response: <status>` (node_modules/hpagent/index.js). TLS errors still come from the server,
 * at the far end of the tunnel, and are mapped as usual.
 */
function proxyFailure(root: (Error & { code?: string }) | undefined, server: string, setting: ProxySetting): ConnectionError | undefined {
  const proxy = printableProxyUrl(setting.url);
  const fromKubeconfig = setting.source === 'proxy-url';
  const from = fromKubeconfig ? "the cluster's proxy-url" : setting.source;
  const status = /^Bad response: (\d+)$/.exec(root?.message ?? '')?.[1];
  if (status) {
    return new ConnectionError(
      server,
      `the proxy answered the CONNECT with HTTP ${status}`,
      `the proxy refused to open a tunnel to the API server: check that it allows CONNECT to the server's host and port, and the credentials in ${from}`,
      proxy,
    );
  }
  const cause = root?.code && PROXY_DIAL_CODES.has(root.code) ? CAUSES[root.code] : undefined;
  if (!cause) return undefined;
  return new ConnectionError(server, cause, `is the proxy running, and is ${proxy} (${fromKubeconfig ? `${from} in the kubeconfig` : from}) the right address?`, proxy);
}

/** Socket errors of the dial itself: through a proxy, that dial is to the proxy. */
const PROXY_DIAL_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

/** The deepest error with a `code` (fetch and ws wrap the socket's error in `cause`). */
function rootCause(e: unknown): (Error & { code?: string; host?: string; cert?: { subjectaltname?: string } }) | undefined {
  let cur = e as (Error & { code?: string; cause?: unknown }) | undefined;
  let found: (Error & { code?: string }) | undefined;
  for (let i = 0; cur && i < 6; i++) {
    if (typeof cur.code === 'string') found = cur;
    cur = cur.cause as typeof cur;
  }
  return found;
}

/** `certificate is valid for a, b, not c`, from Node's ERR_TLS_CERT_ALTNAME_INVALID. */
function altnameCause(err: { host?: string; cert?: { subjectaltname?: string }; message: string }): string {
  const names = (err.cert?.subjectaltname ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
  const host = err.host ?? /Host: ([^\s.]+(?:\.[^\s.]+)*)\./.exec(err.message)?.[1] ?? /IP: (\S+) is not/.exec(err.message)?.[1] ?? 'the server address';
  return names.length > 0 ? `certificate is valid for ${names.join(', ')}, not ${host}` : `certificate is not valid for ${host}`;
}

/** kubectl-style duration: 30s, 1m30s, 500ms. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}s`;
}

export class TimeoutMarker extends Error {}

/**
 * Maps a thrown error to ApiError / ConnectionError. `aborted` says whether the user's own signal
 * (Ctrl-C) ended the call, which is not a timeout.
 */
export function mapError(e: unknown, ctx: CallContext, userSignal?: AbortSignal): Error {
  if (e instanceof ApiError || e instanceof ConnectionError) return e;
  if (userSignal?.aborted) return new OperationError('interrupted');
  if (isApiExceptionLike(e)) return apiErrorFrom(e, ctx);
  const name = (e as Error | undefined)?.name;
  if (e instanceof TimeoutMarker || name === 'TimeoutError' || ((e as Error)?.cause as Error | undefined)?.name === 'TimeoutError') {
    return new ConnectionError(
      ctx.server,
      `request timed out after ${formatDuration(ctx.timeoutMs)}`,
      'raise --request-timeout (0 = no limit), or check that the API server answers',
    );
  }
  if (e instanceof TooLargeError) {
    return new OperationError(`${ctx.operation}: the response from ${ctx.server} is ${e.message}`, 'is the server a Kubernetes API server? A response this large is not one it sends');
  }
  const root = rootCause(e);
  const viaProxy = ctx.proxy ? proxyFailure(root ?? (e as Error | undefined), ctx.server, ctx.proxy) : undefined;
  if (viaProxy) return viaProxy;
  if (root?.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new ConnectionError(ctx.server, altnameCause(root), 'use a server address the certificate lists, or set tls-server-name in the kubeconfig');
  }
  const cause = root?.code ? CAUSES[root.code] : undefined;
  if (cause) return new ConnectionError(ctx.server, cause, HINTS[cause]?.(ctx.server));
  if (root?.message === 'socket hang up') return new ConnectionError(ctx.server, 'connection reset', HINTS['connection reset'](ctx.server));
  if (e instanceof OperationError) return e;
  const msg = (root ?? (e as Error))?.message ?? String(e);
  return new ConnectionError(ctx.server, msg.split('\n')[0]);
}
