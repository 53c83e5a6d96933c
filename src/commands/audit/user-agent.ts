/**
 * Reads a request's User-Agent into the client library and version — the usual culprit of a stale
 * token — and says whether that version re-reads the projected token file.
 *
 * The versions that re-read the token on their own are the ones the Kubernetes documentation lists for
 * bound service account tokens, repeated verbatim in the Amazon EKS user guide
 * (awsdocs/amazon-eks-user-guide, "service-accounts": "Go version 0.15.7 and later, Python version 12.0.0
 * and later, Java version 9.0.0 and later, JavaScript version 0.10.3 and later, Haskell version 0.3.0.0,
 * C# version 7.0.5 and later"). client-go does it only when the config comes from rest.InClusterConfig
 * (BearerTokenFile); a program that reads the file once and sets BearerToken itself never re-reads.
 *
 * User agents, as the libraries set them:
 * - client-go: `<program>/<program version> (<os>/<arch>) kubernetes/<commit>`
 *   (rest.DefaultKubernetesUserAgent); the version is the program's, `v0.0.0` outside Kubernetes' own
 *   binaries, so it does not tell the client-go version.
 * - kubernetes-client/python: `OpenAPI-Generator/<package version>/python` (kubernetes/client/api_client.py;
 *   older releases `Swagger-Codegen/<v>/python`).
 */
import type { ClientInfo } from './types.js';

/** The first version of each library that re-reads the token file (see the header for the source). */
export const REREAD_SINCE: Record<string, string> = {
  'client-go': '0.15.7',
  'kubernetes-python': '12.0.0',
  'kubernetes-java': '9.0.0',
  'kubernetes-javascript': '0.10.3',
  'kubernetes-csharp': '7.0.5',
  'kubernetes-haskell': '0.3.0.0',
};

/** The one-line list for fix texts. */
export const REREAD_LIST =
  'client-go >= v0.15.7 (rest.InClusterConfig), Python >= 12.0.0, Java >= 9.0.0, JavaScript >= 0.10.3, C# >= 7.0.5, Haskell >= 0.3.0.0';

/** Kubernetes' own binaries whose version is also their client-go version (v1.x ↔ client-go v0.x). */
const KUBERNETES_BINARIES = /^(kubectl|kubelet|kube-[a-z-]+)$/;

export interface ParsedAgent {
  library: string;
  version?: string;
  rereadsToken?: boolean;
}

export function parseUserAgent(ua: string): ParsedAgent {
  const goClient = /^([^/\s]+)\/(\S+) \([^)]*\) kubernetes\/\S+/.exec(ua);
  if (goClient) {
    const [, program, version] = goClient as unknown as [string, string, string];
    if (KUBERNETES_BINARIES.test(program) && /^v1\.\d+\.\d+/.test(version)) {
      // kubectl v1.N.M is built with client-go v0.N.M.
      const cg = version.replace(/^v1\./, '0.').replace(/[-+].*$/, '');
      return { library: program, version, rereadsToken: atLeast(cg, REREAD_SINCE['client-go']!) };
    }
    return { library: 'client-go', ...(program !== 'Go-http-client' ? { version: `${program}/${version}` } : {}) };
  }
  const py = /^(OpenAPI-Generator|Swagger-Codegen)\/([^/\s]+)\/python\b/.exec(ua);
  if (py) {
    const version = py[2]!;
    const known = /^\d+\.\d+\.\d+/.test(version) && !version.includes('snapshot');
    return {
      library: 'kubernetes-python',
      version,
      ...(known ? { rereadsToken: atLeast(version, REREAD_SINCE['kubernetes-python']!) } : {}),
    };
  }
  const java = /^(OpenAPI-Generator|Swagger-Codegen)\/([^/\s]+)\/java\b/.exec(ua);
  if (java) return { library: 'kubernetes-java', version: java[2]! };
  const simple = /^(curl|Wget|python-requests|Go-http-client|okhttp|node-fetch|undici|axios|aiohttp|Python-urllib)\/(\S+)/i.exec(ua);
  if (simple) {
    // Plain HTTP clients: the program sends the token itself, so it must re-read the file itself.
    return { library: simple[1]!, version: simple[2]!, rereadsToken: false };
  }
  return { library: ua === '' ? 'none' : 'unknown' };
}

/** Dotted numeric comparison: a >= b. Non-numeric parts compare as 0. */
export function atLeast(a: string, b: string): boolean {
  const pa = a.replace(/^v/, '').split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.replace(/^v/, '').split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

export function clientInfo(ua: string, requests: number): ClientInfo {
  const p = parseUserAgent(ua);
  return {
    userAgent: ua,
    library: p.library,
    ...(p.version !== undefined ? { version: p.version } : {}),
    ...(p.rereadsToken !== undefined ? { rereadsToken: p.rereadsToken } : {}),
    requests,
  };
}

/** A short label for tables: `kubernetes-python 11.0.0`, `client-go (myapp/v0.0.0)`, else the raw agent, cut. */
export function shortAgent(c: ClientInfo): string {
  if (c.library === 'unknown') return c.userAgent.length > 40 ? c.userAgent.slice(0, 39) + '…' : c.userAgent;
  if (c.library === 'none') return '<none>';
  if (c.library === 'client-go') return c.version ? `client-go (${c.version})` : 'client-go';
  return c.version ? `${c.library} ${c.version}` : c.library;
}
