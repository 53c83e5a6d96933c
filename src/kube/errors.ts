/**
 * Typed API errors. The kube layer turns client-node's ApiException (whose body is raw JSON text)
 * and network/TLS failures into these, so commands can decide on `.code` and `.reason`.
 */
import { OperationError } from '../errors.js';

/** The server answered with a Status error (4xx/5xx). */
export class ApiError extends OperationError {
  constructor(
    /** HTTP status code (401, 403, 404, 409, 422, 429, 500…). */
    readonly code: number,
    /** Status.reason (Unauthorized, Forbidden, NotFound, AlreadyExists, Conflict, Invalid…). */
    readonly reason: string,
    /** Status.message as the API server wrote it. */
    readonly serverMessage: string,
    /** What was being done, e.g. `get pods "web"`, for the `error: …` line. */
    readonly operation: string,
    /** Status.details, when the server sent them. */
    readonly details?: unknown,
    /** The `hint: …` line, and a message that replaces the default `<operation>: <server message>`. */
    extra?: { hint?: string; message?: string },
  ) {
    super(extra?.message ?? `${operation}: ${serverMessage || reason || `HTTP ${code}`}`, extra?.hint);
  }
}

/** The server could not be reached or spoken to (refused, DNS, TLS, timeout, dropped). */
export class ConnectionError extends OperationError {
  constructor(
    readonly server: string,
    /** A short cause in kubectl's words, e.g. `certificate signed by unknown authority`. */
    readonly cause_: string,
    hint?: string,
    /** The proxy (kubeconfig proxy-url, credentials removed) when it is what failed, not the server. */
    readonly proxy?: string,
  ) {
    super(`cannot reach ${reached(server, proxy)}: ${cause_}`, hint);
  }

  /** The server, and the proxy when the failure was the proxy's: for messages that name the address. */
  get where(): string {
    return reached(this.server, this.proxy);
  }
}

const reached = (server: string, proxy: string | undefined) => (proxy ? `${server} through the proxy ${proxy}` : server);

export const isNotFound = (e: unknown): e is ApiError => e instanceof ApiError && e.code === 404;
export const isForbidden = (e: unknown): e is ApiError => e instanceof ApiError && e.code === 403;
export const isUnauthorized = (e: unknown): e is ApiError => e instanceof ApiError && e.code === 401;
