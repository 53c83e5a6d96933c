/**
 * The user's credentials on each request, with client-go's precedence
 * (tools/clientcmd/client_config.go getUserIdentificationPartialConfig, transport/round_trippers.go
 * bearerAuthRoundTripper, plugin/pkg/client/auth/exec/exec.go UpdateTransportConfig):
 * - a token (--token or the kubeconfig's `token`) and/or `tokenFile`: a bearer token; the file,
 *   re-read at most once a minute (transport.CachedFileTokenSource), wins over the token while it
 *   can be read;
 * - the exec plugin only when there is no token, no client certificate and no basic auth ("kubectl
 *   get --token (token) pods" must not run the plugin);
 * - a client certificate is sent whatever else is: with --token on a certificate kubeconfig the API
 *   server sees both, and its x509 authenticator answers first (kubectl behaves the same).
 * Client certificates from files or data, the CA, tls-server-name and proxy-url stay with
 * client-node (KubeConfig.applyToHTTPSOptions), and so does an `oidc` auth-provider.
 */
import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { readFileCappedSync } from '../bounded-read.js';
import { OperationError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { ExecAuthenticator, type ExecCredentials } from './exec-plugin.js';
import type { CredentialKind } from './types.js';

/** How the user authenticates, from the merged kubeconfig and flags (no client-node types). */
export interface CredentialSource {
  token?: string;
  tokenFile?: string;
  exec?: ExecAuthenticator;
  /** The user has a client certificate (file or data): exec then does not run. */
  hasClientCertificate: boolean;
  /** username/password (basic auth): exec then does not run. */
  hasBasicAuth: boolean;
}

/** What one request was sent with, handed back after a 401 (the exec plugin then runs again). */
export interface Applied {
  exec?: ExecCredentials;
}

/** transport.CachedFileTokenSource's period. */
const TOKEN_FILE_PERIOD_MS = 60_000;

export class Credentials {
  private fileToken: { token: string; readAt: number } | undefined;

  constructor(
    readonly source: CredentialSource,
    private readonly now: () => number = Date.now,
  ) {}

  /** Which kind of credential the requests carry, for `whoami`'s "authenticated by" (no secrets). */
  describe(): CredentialKind {
    const s = this.source;
    // client-go's transport (HTTPWrappersForConfig) adds the bearer token whatever the TLS client certificate.
    const cert = s.hasClientCertificate ? { withClientCertificate: true as const } : {};
    if (s.tokenFile && this.readTokenFile() !== undefined) return { kind: 'token-file', ...cert };
    if (s.token) return { kind: 'token', ...cert };
    if (this.execRuns()) return { kind: 'exec', plugin: s.exec!.config.command };
    if (s.hasClientCertificate) return { kind: 'client-certificate' };
    return { kind: 'none' };
  }

  private execRuns(): boolean {
    const s = this.source;
    return s.exec !== undefined && !s.token && !s.tokenFile && !s.hasClientCertificate && !s.hasBasicAuth;
  }

  /** Sets Authorization, or the exec plugin's client certificate, on `opts` (before client-node builds the agent). */
  async apply(opts: https.RequestOptions): Promise<Applied> {
    const headers = (opts.headers ??= {}) as Record<string, string>;
    const s = this.source;
    if (s.token || s.tokenFile) {
      const token = (s.tokenFile ? this.readTokenFile() : undefined) ?? s.token;
      if (token === undefined) {
        throw new OperationError(`cannot read the kubeconfig's tokenFile ${s.tokenFile} (no such file, or empty)`, 'fix users[].user.tokenFile in the kubeconfig');
      }
      headers.Authorization = `Bearer ${token}`;
      return {};
    }
    if (!this.execRuns()) return {};
    const creds = await s.exec!.get();
    if (creds.token) headers.Authorization = `Bearer ${creds.token}`;
    if (creds.certPem && creds.keyPem) {
      opts.cert = creds.certPem;
      opts.key = creds.keyPem;
    }
    return { exec: creds };
  }

  /** The server answered 401 to a request sent with `applied`: the exec plugin runs again on the next one. */
  unauthorized(applied: Applied): void {
    if (applied.exec) void this.source.exec?.unauthorized(applied.exec);
  }

  /** The file's token, trimmed; undefined when it cannot be read or is empty (the last good one stands). */
  private readTokenFile(): string | undefined {
    const f = this.fileToken;
    if (f && this.now() - f.readAt < TOKEN_FILE_PERIOD_MS) return f.token;
    try {
      const token = readFileCappedSync(this.source.tokenFile!, LIMITS.tokenFile, 'a token file').toString('utf8').trim();
      if (token !== '') this.fileToken = { token, readAt: this.now() };
    } catch {
      // bearerAuthRoundTripper keeps the last token it read (or the kubeconfig's token).
    }
    return this.fileToken?.token;
  }
}

/**
 * A new client certificate from the exec plugin must reach new connections: client-node caches
 * one https.Agent per cluster and user (KubeConfig.agentCache, private), built with the first
 * certificate. client-go closes its connections on rotation (exec.go connTracker.CloseAll).
 */
export function forgetAgents(kc: KubeConfig): void {
  const cache = (kc as unknown as { agentCache?: Map<string, { destroy?: () => void }> }).agentCache;
  for (const agent of cache?.values() ?? []) agent.destroy?.();
  cache?.clear();
}

/** Turns a failure to apply kc's credentials (client-node's oidc auth-provider) into an OperationError. */
export function credentialFailure(e: unknown): Error {
  if (e instanceof OperationError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  return new OperationError(`getting credentials: ${err.message.trim().split('\n')[0]}`, 'fix users[].user in the kubeconfig');
}
