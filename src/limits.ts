/**
 * The most the plugin reads of anything from outside, per kind of read. Every read is cut when it
 * reaches its cap (the request aborted, the plugin killed, the file closed), never buffered first,
 * so that no server, plugin or file makes the process hold more than a bounded amount: with these
 * caps a hostile input leaves the process well under 512 MiB resident.
 *
 * A server or credential plugin over its cap fails the command with exit 1; a file or stdin the user
 * named, with exit 2.
 */

export const KiB = 1024;
export const MiB = 1024 * KiB;

export const LIMITS = {
  /**
   * One page of a paged LIST (a GET with `limit=`, 500 items unless --chunk-size says otherwise).
   * 500 pods with managedFields are 5-10 MiB; 32 MiB leaves room for larger objects. Not more: a
   * scan (diagnose -A) reads five LISTs at once, so five pages may be in memory together.
   */
  listPage: 32 * MiB,
  /**
   * Any other API response: one object (at most etcd's 1.5 MiB when stored), a review, the OIDC
   * discovery document and JWKS, an error Status, the body of a refused exec handshake.
   */
  response: 8 * MiB,
  /**
   * JSON values in one API response, counted as the body arrives as the bytes `{`, `[` and `,` (an
   * upper bound: the ones inside strings count too). Bytes alone do not bound memory: parsed, 64 MiB
   * of `{},{},…` is 2 GiB of objects. A page of 500 pods holds a few hundred thousand.
   */
  jsonValues: 2_000_000,
  /**
   * Objects in one LIST, page after page: a server that hands out `continue` tokens forever would
   * otherwise keep a scan going, and growing, without end. Kubernetes supports clusters of up to
   * 150,000 pods (kubernetes.io/docs/setup/best-practices/cluster-large).
   */
  listItems: 1_000_000,
  /** What an exec credential plugin prints on stdout (an ExecCredential: a token, or a certificate and key). */
  execPluginStdout: 4 * MiB,
  /** stdout, and stderr, of a command run in a container over the exec WebSocket (`cat` of a token file). */
  podExec: 4 * MiB,
  /** A token from a file or stdin (decode -f / -, a kubeconfig tokenFile, a mounted token, a JWKS file). */
  tokenFile: 1 * MiB,
  /** A kubeconfig file (kubeconfigs with hundreds of clusters and their CA data are a few MiB). */
  kubeconfig: 16 * MiB,
  /** A PEM file a kubeconfig names (a CA bundle, a client certificate or key). */
  pemFile: 4 * MiB,
  /**
   * One line of an audit log: longer lines are skipped as they stream (kube-apiserver's largest
   * events, with RequestResponse bodies, are a few MiB). A line parsed is held to jsonValues too.
   */
  auditLine: 64 * MiB,
  /** A backup file migrate-legacy --restore reads back (one Secret or ServiceAccount). */
  backupFile: 16 * MiB,
} as const;

/** Bytes that open a JSON value in an array or object, `{`, `[` and `,`, in buf[start, end): the count LIMITS.jsonValues bounds. */
export function jsonValueBytes(buf: Uint8Array, start = 0, end = buf.length): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b === 0x7b || b === 0x5b || b === 0x2c) n++;
  }
  return n;
}

/** `64 MiB`, `512 KiB`, `100 bytes`: for messages. */
export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} bytes`;
}

/** A read that reached its cap. Its message is the `(why)` of an error line: `larger than 1 MiB, the limit for a token file`. */
export class TooLargeError extends Error {
  readonly code = 'ETOOLARGE';
  constructor(message: string) {
    super(message);
    this.name = 'TooLargeError';
  }

  static bytes(limit: number, what: string): TooLargeError {
    return new TooLargeError(`larger than ${formatBytes(limit)}, the limit for ${what}`);
  }
}
