/**
 * Injected faults (POST /_emulator/faults): errors, latency, dropped and hung connections for
 * requests whose path matches, for `count` requests or until reset.
 */
export interface FaultSpec {
  /** Matched against the path and query, e.g. "/api/v1/namespaces/x/pods". */
  pathRegex?: string;
  /** Answer with this HTTP status (and the matching Status body). */
  status?: number;
  /** Apply to this many matching requests, then expire (default: until reset). */
  count?: number;
  /** Wait this long before handling (or before failing). */
  delayMs?: number;
  /** Send the headers and part of the body, then close the connection. */
  drop?: boolean;
  /** Never answer (the connection stays open until the client gives up or the server stops). */
  hang?: boolean;
  /** Remove every fault (alone in the body). */
  reset?: boolean;
}

export interface Fault extends Required<Pick<FaultSpec, 'pathRegex'>> {
  regex: RegExp;
  status?: number;
  remaining?: number;
  delayMs?: number;
  drop?: boolean;
  hang?: boolean;
}

export class Faults {
  private faults: Fault[] = [];

  add(spec: FaultSpec): Fault | undefined {
    if (spec.reset) {
      this.faults = [];
      return undefined;
    }
    const f: Fault = {
      pathRegex: spec.pathRegex ?? '.*',
      regex: new RegExp(spec.pathRegex ?? '.*'),
      status: spec.status,
      remaining: spec.count,
      delayMs: spec.delayMs,
      drop: spec.drop,
      hang: spec.hang,
    };
    this.faults.push(f);
    return f;
  }

  /** The first live fault matching this path; consumes one of its uses. */
  take(pathAndQuery: string): Fault | undefined {
    const f = this.faults.find((x) => x.regex.test(pathAndQuery) && (x.remaining === undefined || x.remaining > 0));
    if (f && f.remaining !== undefined) f.remaining--;
    return f;
  }

  list(): Array<Omit<Fault, 'regex'>> {
    return this.faults.map(({ regex: _r, ...rest }) => rest);
  }
}

/** The Status reason upstream uses for a status code. */
export function reasonForStatus(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 410:
      return 'Expired';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return code >= 500 ? 'InternalError' : 'Unknown';
  }
}
