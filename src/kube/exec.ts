/**
 * Runs a command in a container over the exec WebSocket with client-node's Exec, and collects
 * stdout, stderr and the exit code.
 *
 * The socket itself is ours (Exec takes a WebSocketInterface): client-node's default handler
 * sends no impersonation headers, turns a refused handshake into a bare "Unexpected server
 * response: 403", and hands a v5 close-stream frame (channel 255) to a parser that throws
 * inside the socket's event handler. Every exec is bounded by the request timeout.
 */
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import type { KubeConfig, V1Status } from '@kubernetes/client-node';
import { OperationError } from '../errors.js';
import { LIMITS, TooLargeError } from '../limits.js';
import { ApiError } from './errors.js';
import type { CallSettings } from './call.js';
import { type CallContext, mapError, TimeoutMarker } from './errormap.js';
import type { ClientNode, TransportSettings } from './transport.js';
import { requestOptions } from './transport.js';
import { redactBody, requestLog } from './verbose.js';
import type { ExecResult } from './types.js';

export interface ExecDeps {
  k8s: ClientNode;
  kc: KubeConfig;
  transportSettings: TransportSettings;
  call: CallSettings;
}

/** The subprotocols kubectl offers, newest first (v5 adds close-stream frames). */
const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
/** Protocols whose server always ends with a status frame on channel 3. */
const WITH_STATUS = new Set(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
const CLOSE_STREAM = 255;

/** What the command prints on stdout, or stderr, up to the cap; past it, `over` is told once and the rest dropped. */
class Collector extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly over: () => void) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    if (this.size <= LIMITS.podExec) {
      this.size += chunk.length;
      if (this.size > LIMITS.podExec) this.over();
      else this.chunks.push(Buffer.from(chunk));
    }
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The exit code in a V1Status, or an error for a failure that is not a command's exit. */
export function exitCodeFromStatus(status: V1Status, operation: string): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause && cause.message !== undefined && /^\d+$/.test(cause.message)) return Number(cause.message);
  throw new ApiError(status.code ?? 500, status.reason ?? 'InternalError', status.message ?? 'the command failed', operation, status.details);
}

export async function execInPod(d: ExecDeps, namespace: string, pod: string, container: string | undefined, command: string[]): Promise<ExecResult> {
  const operation = `exec in pod "${pod}"${container ? ` container "${container}"` : ''} in namespace "${namespace}"`;
  const ctx: CallContext = { operation, server: d.call.server, proxy: d.call.proxy, ownCredentials: d.call.ownCredentials, timeoutMs: d.call.timeoutMs };
  let socket: WebSocket | undefined;
  let status: V1Status | undefined;
  /** Set by the handshake or the socket when it fails before Exec sees it. */
  let failure: unknown;
  const tooMuch = (stream: string) => () => {
    failure ??= TooLargeError.bytes(LIMITS.podExec, `the ${stream} of a command in a container`);
    socket?.terminate();
  };
  const stdout = new Collector(tooMuch('stdout'));
  const stderr = new Collector(tooMuch('stderr'));

  const wsInterface = {
    connect: async (path: string, _text: unknown, binaryHandler: ((stream: number, buff: Buffer) => boolean) | null): Promise<WebSocket> => {
      const url = d.call.server.replace(/^https:/, 'wss:') + path;
      const { applied, ...opts } = await requestOptions(d.transportSettings, 'GET', {});
      const httpsUrl = url.replace(/^wss:/, 'https:');
      const log = d.transportSettings.log ? requestLog(d.transportSettings.log, d.transportSettings.verbosity) : undefined;
      log?.request('GET', httpsUrl, opts.headers as Record<string, string>, undefined);
      const started = Date.now();
      return new Promise<WebSocket>((resolve, reject) => {
        // One frame is at most the output cap (plus its channel byte): ws would buffer 100 MiB by default.
        const ws = new WebSocket(url, PROTOCOLS, { ...(opts as WebSocket.ClientOptions), headers: opts.headers as Record<string, string>, maxPayload: LIMITS.podExec + 1 });
        socket = ws;
        ws.on('unexpected-response', (req, res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= LIMITS.response) return void chunks.push(c);
            res.removeAllListeners();
            failure = TooLargeError.bytes(LIMITS.response, 'an API response');
            req.destroy();
            reject(failure);
          });
          res.on('end', () => {
            if (res.statusCode === 401) d.transportSettings.credentials.unauthorized(applied);
            const body = Buffer.concat(chunks).toString('utf8');
            log?.response('GET', httpsUrl, res.statusCode ?? 0, res.statusMessage ?? '', Date.now() - started, res.headersDistinct ?? {}, () => redactBody(body));
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
            failure = { code: res.statusCode ?? 0, body, headers };
            req.destroy();
            reject(failure);
          });
        });
        ws.on('open', () => {
          log?.response('GET', httpsUrl, 101, `Switching Protocols (${ws.protocol})`, Date.now() - started, {}, () => '');
          resolve(ws);
        });
        ws.on('error', (e: Error & { code?: string }) => {
          failure ??= e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? TooLargeError.bytes(LIMITS.podExec, 'the output of a command in a container') : e;
          reject(failure);
        });
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          const buf = isBinary ? data : Buffer.from(data);
          if (buf.length < 1) return;
          const streamNum = buf.readUInt8(0);
          if (streamNum === CLOSE_STREAM) return;
          try {
            if (binaryHandler && !binaryHandler(streamNum, buf.subarray(1))) ws.close();
          } catch (e) {
            failure ??= new OperationError(`${operation}: unreadable frame from the server (${(e as Error).message})`);
            ws.terminate();
          }
        });
      });
    },
  };

  const exec = new d.k8s.Exec(d.kc, wsInterface as unknown as ConstructorParameters<ClientNode['Exec']>[1]);
  const timeoutMs = d.call.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const run = (async () => {
      const ws = (await exec.exec(namespace, pod, container ?? '', command, stdout, stderr, null, false, (s) => {
        status = s;
      })) as unknown as WebSocket;
      await new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', (code: number) => {
          if (status === undefined && failure === undefined && (code !== 1000 || WITH_STATUS.has(ws.protocol))) {
            failure = new OperationError(
              `${operation}: the exec WebSocket closed before the command reported its exit status (close code ${code})`,
              'the API server or kubelet dropped the stream; try again',
            );
          }
          resolve();
        });
      });
    })();
    // The race below may end first (timeout, Ctrl-C); the run's own late failure is then moot.
    run.catch(() => {});
    const stop = new Promise<never>((_, reject) => {
      if (timeoutMs > 0) {
        timer = setTimeout(() => reject(new TimeoutMarker()), timeoutMs);
      }
      onAbort = () => reject(new OperationError('interrupted'));
      if (d.call.signal.aborted) onAbort();
      d.call.signal.addEventListener('abort', onAbort, { once: true });
    });
    await Promise.race([run, stop]);
  } catch (e) {
    socket?.terminate();
    throw mapError(e instanceof TimeoutMarker ? e : (failure ?? e), ctx, d.call.signal);
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) d.call.signal.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw mapError(failure, ctx, d.call.signal);
  const exitCode = status ? exitCodeFromStatus(status, operation) : 0;
  return { stdout: stdout.text(), stderr: stderr.text(), exitCode };
}
