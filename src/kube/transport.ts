/**
 * client-node's HttpLibrary, on node:https instead of its default undici fetch, because we need:
 * one header line per --as-group (fetch folds repeated headers into one "a, b" value, which the
 * API server reads as a single group), every Warning line apart, Node's own socket/TLS error codes
 * for kubectl-like messages, and the whole body read under the request's signal.
 * TLS material and credentials still come from client-node (KubeConfig.applyToHTTPSOptions).
 */
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { HttpLibrary, KubeConfig, RequestContext, ResponseContext } from '@kubernetes/client-node';
import { StringDecoder } from 'node:string_decoder';
import { formatBytes, jsonValueBytes, LIMITS, TooLargeError } from '../limits.js';
import { VERSION } from '../version.js';
import { responseWarnings } from './call.js';
import { type Applied, type Credentials, credentialFailure, forgetAgents } from './credentials.js';
import { redactBody, requestLog } from './verbose.js';

/** client-node, handed in by connect.ts: the only file that imports it at run time. */
export type ClientNode = typeof import('@kubernetes/client-node');

export interface TransportSettings {
  kc: KubeConfig;
  /** The user's token, tokenFile or exec plugin (credentials.ts); certificates stay with kc. */
  credentials: Credentials;
  /** Sent on every request, e.g. Impersonate-User / Impersonate-Group (one line per value). */
  extraHeaders: Record<string, string | string[]>;
  /** Where -v lines go; undefined = no logging. */
  log?: (line: string) => void;
  /** kubectl's -v level (6 request lines, 7 request headers, 8 response headers and bodies, 9 longer bodies). */
  verbosity: number;
}

export function makeTransport(k8s: ClientNode, settings: TransportSettings): HttpLibrary {
  return k8s.wrapHttpLibrary({ send: (ctx) => send(k8s, settings, ctx) });
}

/** Options for node:https carrying the kubeconfig's TLS material and credentials plus our headers. */
export async function requestOptions(
  settings: TransportSettings,
  method: string,
  headers: Record<string, string>,
): Promise<https.RequestOptions & { applied: Applied }> {
  // Verification is on unless the kubeconfig or --insecure-skip-tls-verify turns it off (client-node's
  // applyHTTPSOptions then sets false): left undefined, Node would take NODE_TLS_REJECT_UNAUTHORIZED
  // from the environment, which client-go never reads. client-node copies the value into the agent.
  const opts: https.RequestOptions = { method, headers: { 'User-Agent': `kubectl-satoken/${VERSION}`, ...headers }, rejectUnauthorized: true };
  // Ours first: an exec plugin's client certificate must be in opts before client-node builds the agent.
  const applied = await settings.credentials.apply(opts);
  if (applied.exec?.certPem && applied.exec !== lastCert.get(settings.kc)) {
    if (lastCert.has(settings.kc)) forgetAgents(settings.kc);
    lastCert.set(settings.kc, applied.exec);
  }
  try {
    await settings.kc.applyToHTTPSOptions(opts);
  } catch (e) {
    throw credentialFailure(e);
  }
  keepConnections(opts.agent);
  Object.assign(opts.headers as Record<string, unknown>, settings.extraHeaders);
  return Object.assign(opts, { applied });
}

/**
 * client-node builds its cached https.Agent without keepAlive, and Node's ClientRequest then sends
 * `Connection: close` and closes the socket after each response: every request paid a TCP connect and
 * a TLS handshake of its own, one more round trip per request against a distant API server (and a
 * handshake per LIST page of a scan). client-go keeps its connections (net/http Transport reuses
 * idle ones). A keep-alive agent parks idle sockets unref'd, so they never hold the process open.
 * Only a plain https.Agent: a proxy agent (cluster proxy-url) keeps its own connection handling.
 */
function keepConnections(agent: https.RequestOptions['agent']): void {
  if (agent instanceof https.Agent && Object.getPrototypeOf(agent) === https.Agent.prototype) {
    (agent as https.Agent & { keepAlive: boolean }).keepAlive = true;
  }
}

/** The exec credentials whose certificate each KubeConfig's agents were built with. */
const lastCert = new WeakMap<KubeConfig, object>();

async function send(k8s: ClientNode, settings: TransportSettings, ctx: RequestContext): Promise<ResponseContext> {
  const method = ctx.getHttpMethod().toString();
  const url = ctx.getUrl();
  const { applied, ...opts } = await requestOptions(settings, method, ctx.getHeaders());
  const signal = ctx.getSignal();
  const body = ctx.getBody();
  const log = settings.log ? requestLog(settings.log, settings.verbosity) : undefined;
  log?.request(method, url, opts.headers as Record<string, string | string[]>, typeof body === 'string' ? body : undefined);
  const started = Date.now();
  let exchanged: Awaited<ReturnType<typeof exchange>>;
  // Only the exchange: what fails after it (a -v log line, the body's handling) is no connection failure.
  try {
    exchanged = await exchange(url, { ...opts, signal }, method, body, responseCap(method, url));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code ?? (err.cause as Error | undefined)?.name ?? err.name;
    log?.failed(method, url, why, Date.now() - started);
    throw e;
  }
  const { res, data } = exchanged;
  // exec.go roundTripper: a 401 makes the plugin run again for the next request (this one fails).
  if (res.statusCode === 401) settings.credentials.unauthorized(applied);
  log?.response(method, url, res.statusCode ?? 0, res.statusMessage ?? '', Date.now() - started, res.headersDistinct ?? {}, () =>
    redactBody(typeof data === 'string' ? data : data.toString('utf8')),
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headersDistinct ?? {})) if (v) headers[k] = v.join(', ');
  const rsp = new k8s.ResponseContext(res.statusCode ?? 0, headers, {
    text: async () => (typeof data === 'string' ? data : data.toString('utf8')),
    binary: async () => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data),
    stream: () => null,
  });
  responseWarnings.set(rsp, res.headersDistinct?.warning ?? []);
  return rsp;
}

/** The cap on a response body: a LIST page (a GET with `limit=`, as list.ts sends) or anything else. */
export function responseCap(method: string, url: string): { bytes: number; what: string } {
  const list = method === 'GET' && /[?&]limit=/.test(url);
  return list ? { bytes: LIMITS.listPage, what: 'a LIST page' } : { bytes: LIMITS.response, what: 'an API response' };
}

/**
 * One request and its whole response body, cut (the request destroyed, so no more is read from the
 * socket) as soon as it passes its cap in bytes or in JSON values (src/limits.ts). The socket keeps `req`, `res` and so every listener
 * below (and each closure scope they sit in) until its next response: nothing they reach may hold
 * the body once it is handed on. They used to (send()'s scope, the settled promise through its
 * reject function), so each LIST page's body outlived the page: a scan works on a page before it
 * asks for the next, young GCs meanwhile promoted the body, and dead bodies piled up until the next
 * full GC (~50-60 MB resident at issue 8's scale benchmark).
 */
function exchange(
  url: string,
  opts: https.RequestOptions,
  method: string,
  body: unknown,
  cap: { bytes: number; what: string },
): Promise<{ res: IncomingMessage; data: Buffer | string }> {
  return new Promise((resolve, reject) => {
    // Cleared once settled, so that the listeners no longer reach the promise and its result.
    let settle: { resolve: typeof resolve; reject: typeof reject } | undefined = { resolve, reject };
    const fail = (e: unknown) => {
      const s = settle;
      settle = undefined;
      s?.reject(e);
    };
    const succeed = (res: IncomingMessage, data: Buffer | string) => {
      const s = settle;
      settle = undefined;
      s?.resolve({ res, data });
    };
    const req = https.request(url, opts, (res) => {
      let bytes = 0;
      let values = 0;
      /** Counts a chunk; false (and the request ended) once the body is over its cap. */
      const within = (c: Buffer): boolean => {
        bytes += c.length;
        values += jsonValueBytes(c);
        if (bytes <= cap.bytes && values <= LIMITS.jsonValues) return true;
        const why = bytes > cap.bytes ? `larger than ${formatBytes(cap.bytes)}, the limit for ${cap.what}` : `more than ${LIMITS.jsonValues} JSON values, the limit for ${cap.what}`;
        res.removeAllListeners('data');
        req.destroy();
        fail(new TooLargeError(why));
        return false;
      };
      // A text body (JSON) is decoded as it arrives rather than joined into one more Buffer first.
      if (/json|^text\//.test(res.headers['content-type'] ?? '')) {
        let text = '';
        const decoder = new StringDecoder('utf8');
        res.on('data', (c: Buffer) => {
          if (within(c)) text += decoder.write(c);
        });
        res.on('end', () => {
          text += decoder.end();
          const data = text;
          text = '';
          succeed(res, data);
        });
      } else {
        let chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (within(c)) chunks.push(c);
        });
        res.on('end', () => {
          const data = Buffer.concat(chunks);
          chunks = [];
          succeed(res, data);
        });
      }
      res.on('error', fail);
      res.on('aborted', () => fail(Object.assign(new Error('connection reset while reading the response'), { code: 'ECONNRESET' })));
    });
    req.on('error', fail);
    // Explicit length: Node does not chunk DELETE bodies, so without it the server would misread them.
    if (typeof body === 'string') {
      req.setHeader('Content-Length', Buffer.byteLength(body));
      req.end(body);
    } else if (body === undefined) req.end();
    else fail(new Error(`unsupported request body for ${method} ${url}`));
  });
}
