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
import { VERSION } from '../version.js';
import { responseWarnings } from './call.js';
import { credentialFailure } from './credentials.js';

/** client-node, handed in by connect.ts: the only file that imports it at run time. */
export type ClientNode = typeof import('@kubernetes/client-node');

export interface TransportSettings {
  kc: KubeConfig;
  /** Sent on every request, e.g. Impersonate-User / Impersonate-Group (one line per value). */
  extraHeaders: Record<string, string | string[]>;
  /** --debug: one line per request (method, URL, status, time); never headers or bodies. */
  log?: (line: string) => void;
}

export function makeTransport(k8s: ClientNode, settings: TransportSettings): HttpLibrary {
  return k8s.wrapHttpLibrary({ send: (ctx) => send(k8s, settings, ctx) });
}

/** Options for node:https carrying the kubeconfig's TLS material and credentials plus our headers. */
export async function requestOptions(settings: TransportSettings, method: string, headers: Record<string, string>): Promise<https.RequestOptions> {
  const opts: https.RequestOptions = { method, headers: { 'User-Agent': `kubectl-satoken/${VERSION}`, ...headers } };
  try {
    await settings.kc.applyToHTTPSOptions(opts);
  } catch (e) {
    throw credentialFailure(settings.kc, e);
  }
  Object.assign(opts.headers as Record<string, unknown>, settings.extraHeaders);
  return opts;
}

async function send(k8s: ClientNode, settings: TransportSettings, ctx: RequestContext): Promise<ResponseContext> {
  const method = ctx.getHttpMethod().toString();
  const url = ctx.getUrl();
  const opts = await requestOptions(settings, method, ctx.getHeaders());
  const signal = ctx.getSignal();
  const started = Date.now();
  const body = ctx.getBody();
  try {
    const { res, data } = await new Promise<{ res: IncomingMessage; data: Buffer }>((resolve, reject) => {
      const req = https.request(url, { ...opts, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ res, data: Buffer.concat(chunks) }));
        res.on('error', reject);
        res.on('aborted', () => reject(Object.assign(new Error('connection reset while reading the response'), { code: 'ECONNRESET' })));
      });
      req.on('error', reject);
      // Explicit length: Node does not chunk DELETE bodies, so without it the server would misread them.
      if (typeof body === 'string') {
        req.setHeader('Content-Length', Buffer.byteLength(body));
        req.end(body);
      }
      else if (body === undefined) req.end();
      else reject(new Error(`unsupported request body for ${method} ${url}`));
    });
    settings.log?.(`${method} ${url} ${res.statusCode} ${res.statusMessage ?? ''} in ${Date.now() - started}ms`.replace('  ', ' '));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headersDistinct ?? {})) if (v) headers[k] = v.join(', ');
    const rsp = new k8s.ResponseContext(res.statusCode ?? 0, headers, {
      text: async () => data.toString('utf8'),
      binary: async () => data,
      stream: () => null,
    });
    responseWarnings.set(rsp, res.headersDistinct?.warning ?? []);
    return rsp;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code ?? (err.cause as Error | undefined)?.name ?? err.name;
    settings.log?.(`${method} ${url} failed (${why}) after ${Date.now() - started}ms`);
    throw e;
  }
}
