/**
 * One logical API call: the --request-timeout as a deadline over every attempt, Ctrl-C, retries
 * with backoff, Warning headers, and the mapping of whatever failed into typed errors.
 *
 * Pure of client-node: the per-call middleware below has client-node's PromiseMiddleware shape
 * ({pre(ctx), post(rsp)}), so client-node's typed APIs take it as a call option, and our raw
 * requests run it by hand.
 */
import type { ProxySetting } from './env-proxy.js';
import { ConnectionError } from './errors.js';
import { type CallContext, isApiExceptionLike, mapError, TimeoutMarker } from './errormap.js';

/** Whether a failed call may be sent again. */
export type RetryPolicy =
  /** GET/LIST and side-effect-free reviews: retried on 429, 5xx and a reset connection. */
  | 'idempotent'
  /** Writes: only retried when the server provably did not act (429 Too Many Requests). */
  | 'write';

export interface CallSettings {
  server: string;
  /** The proxy requests go through, if any (named in connection errors). */
  proxy?: ProxySetting;
  /** --request-timeout in ms; 0 = none. Bounds every attempt and the waits between them. */
  timeoutMs: number;
  /** Ctrl-C. */
  signal: AbortSignal;
  ownCredentials: boolean;
  /** Attempts in all (first try included). */
  maxAttempts?: number;
  /** Backoff before the first retry, doubled each time (capped at 4 s). */
  baseDelayMs?: number;
  /** Injected for tests; real timers otherwise. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** What a request context and a response look like to our middleware (client-node's shapes). */
interface RequestLike {
  setSignal(signal: AbortSignal): void;
}
interface ResponseLike {
  headers: Record<string, string>;
}
export interface CallMiddleware {
  pre<C extends RequestLike>(ctx: C): Promise<C>;
  post<R extends ResponseLike>(rsp: R): Promise<R>;
}

/** What one attempt is given: the middleware to pass to client-node, and where warnings land. */
export interface Attempt {
  middleware: CallMiddleware;
  signal: AbortSignal;
}

/** Warning header values per response (each line may hold several warnings), set by the transport. */
export const responseWarnings = new WeakMap<object, string[]>();

/** RFC 7234 warning values: `299 - "text"` (the text may hold escaped quotes). */
export function parseWarnings(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const re = /\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g;
    let m: RegExpExecArray | null;
    let any = false;
    while ((m = re.exec(line)) !== null) {
      out.push(m[1].replace(/\\(.)/g, '$1'));
      any = true;
    }
    if (!any && line.trim() !== '') out.push(line.trim());
  }
  return out;
}

/**
 * The longest wait between two attempts, whatever the server asks in Retry-After: a server that
 * asks for more is answered with its error now, not after a day (nor, with --request-timeout 0,
 * never). Well under setTimeout's limit (2^31-1 ms), past which Node warns and fires at once.
 */
export const MAX_RETRY_WAIT_MS = 60_000;

export const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(Math.max(0, ms), MAX_RETRY_WAIT_MS));
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** `p`, or a rejection with the signal's reason as soon as it aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => {}); // its own late failure is moot
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Seconds of a Retry-After header (delta-seconds or an HTTP date), in ms. */
export function retryAfterMs(headers: Record<string, string> | undefined, now: number): number | undefined {
  const v = headers?.['retry-after'] ?? headers?.['Retry-After'];
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Whether this raw failure may be retried under this policy; with the wait the server asked for. */
function retryable(e: unknown, policy: RetryPolicy, ctx: CallContext, now: number): { retry: boolean; afterMs?: number } {
  if (isApiExceptionLike(e)) {
    const after = retryAfterMs(e.headers, now);
    if (e.code === 429) return { retry: true, afterMs: after };
    if (policy === 'idempotent' && e.code >= 500 && e.code !== 501) return { retry: true, afterMs: after };
    return { retry: false };
  }
  if (policy !== 'idempotent') return { retry: false };
  const mapped = mapError(e, ctx);
  return { retry: mapped instanceof ConnectionError && mapped.cause_ === 'connection reset' };
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the deadline passes. Every error that
 * leaves is an ApiError, ConnectionError or OperationError.
 */
export async function runCall<T>(
  settings: CallSettings,
  operation: string,
  policy: RetryPolicy,
  attempt: (a: Attempt) => Promise<T>,
): Promise<{ value: T; warnings: string[] }> {
  const now = settings.now ?? Date.now;
  const sleep = settings.sleep ?? defaultSleep;
  const maxAttempts = settings.maxAttempts ?? 4;
  const base = settings.baseDelayMs ?? 250;
  const ctx: CallContext = { operation, server: settings.server, proxy: settings.proxy, ownCredentials: settings.ownCredentials, timeoutMs: settings.timeoutMs };
  const deadline = settings.timeoutMs > 0 ? now() + settings.timeoutMs : Infinity;
  const warnings: string[] = [];
  /** The failure that made us retry: when the deadline then ends a retry, it is the real cause. */
  let lastFailure: unknown;

  for (let n = 1; ; n++) {
    const remaining = deadline - now();
    if (remaining <= 0) throw mapError(lastFailure ?? new TimeoutMarker(), ctx, settings.signal);
    const signal = Number.isFinite(remaining) ? AbortSignal.any([settings.signal, AbortSignal.timeout(remaining)]) : settings.signal;
    const middleware: CallMiddleware = {
      async pre(req) {
        req.setSignal(signal);
        return req;
      },
      async post(rsp) {
        warnings.push(...parseWarnings(responseWarnings.get(rsp) ?? []));
        return rsp;
      },
    };
    try {
      // Raced with the signal: whatever the attempt waits on (a credential plugin, a stuck read),
      // the deadline and Ctrl-C end it.
      const value = await untilAborted(attempt({ middleware, signal }), signal);
      return { value, warnings };
    } catch (e) {
      if (settings.signal.aborted) throw mapError(e, ctx, settings.signal);
      if (lastFailure !== undefined && signal.aborted) throw mapError(lastFailure, ctx, settings.signal);
      const { retry, afterMs } = n < maxAttempts ? retryable(e, policy, ctx, now()) : { retry: false };
      const wait = afterMs ?? Math.min(base * 2 ** (n - 1), 4000);
      if (!retry || wait > MAX_RETRY_WAIT_MS || now() + wait >= deadline) throw mapError(e, ctx, settings.signal);
      lastFailure = e;
      try {
        await sleep(wait, settings.signal);
      } catch {
        throw mapError(e, ctx, settings.signal);
      }
    }
  }
}
