/**
 * The kube layer's entry, loaded by src/cli/run.ts with a dynamic import on the first cluster
 * call: the only file that imports @kubernetes/client-node at run time (the other files of
 * src/kube/ get it handed in, and import its types only), so --help and `decode TOKEN` never load it.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { OperationError, UsageError } from '../errors.js';
import { makeApi } from './api.js';
import type { CallSettings } from './call.js';
import { Credentials, type CredentialSource } from './credentials.js';
import { ExecAuthenticator, readExecConfig } from './exec-plugin.js';
import { resolveConfig, type ResolvedConfig } from './kubeconfig.js';
import { kubeconfigForToken } from './tokenconfig.js';
import { makeTransport, type TransportSettings } from './transport.js';
import type { ClusterInfo, ConnectionFlags, ConnectOptions, KubeApi, KubeConnection } from './types.js';

export async function connect(
  flags: ConnectionFlags,
  env: Record<string, string | undefined>,
  signal: AbortSignal,
  options: ConnectOptions = {},
): Promise<KubeConnection> {
  const resolved = resolveConfig(flags, { env, serviceAccountDir: options.serviceAccountDir });
  // transport.New: "requesting uid, groups or user-extra for %v without impersonating a user" (kubectl's words).
  if ((flags.asGroups?.length || flags.asUid) && !flags.as) {
    throw new UsageError(`requesting uid, groups or user-extra for ${resolved.userName ?? ''} without impersonating a user`, 'add --as USER');
  }
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromString(JSON.stringify(resolved.kubeconfig));
  } catch (e) {
    throw new OperationError(`cannot use the kubeconfig (${(e as Error).message.split('\n')[0]})`);
  }
  const credentials = new Credentials(credentialSource(resolved, flags, env, signal, options));

  const cluster: ClusterInfo = {
    contextName: resolved.contextName,
    clusterName: resolved.clusterName,
    server: resolved.server,
    caPem: resolved.caPem,
    insecureSkipTlsVerify: resolved.insecureSkipTlsVerify,
    tlsServerName: resolved.tlsServerName,
    proxyUrl: resolved.proxy?.source === 'proxy-url' ? resolved.proxy.url : undefined,
    inCluster: resolved.inCluster,
  };
  // --debug logs requests as -v=6 does.
  const verbosity = Math.max(flags.verbosity ?? 0, flags.debug ? 6 : 0);
  const log = verbosity >= 6 ? options.log : undefined;
  const impersonation: Record<string, string | string[]> = {};
  if (flags.as) impersonation['Impersonate-User'] = flags.as;
  if (flags.asGroups?.length) impersonation['Impersonate-Group'] = flags.asGroups;
  if (flags.asUid) impersonation['Impersonate-Uid'] = flags.asUid;

  const build = (config: KubeConfig, creds: Credentials, extraHeaders: Record<string, string | string[]>, ownCredentials: boolean): KubeApi => {
    const transportSettings: TransportSettings = { kc: config, credentials: creds, extraHeaders, log, verbosity };
    const call: CallSettings = { server: resolved.server, proxy: resolved.proxy, timeoutMs: flags.requestTimeoutMs, signal, ownCredentials };
    return makeApi({ k8s, kc: config, transport: makeTransport(k8s, transportSettings), transportSettings, call });
  };

  return {
    namespace: flags.namespace ?? resolved.namespace ?? 'default',
    namespaceExplicit: flags.namespace !== undefined,
    cluster,
    api: build(kc, credentials, impersonation, true),
    authentication: () => credentials.describe(),
    forToken(token: string): KubeApi {
      const tokenKc = new k8s.KubeConfig();
      // The same cluster entry (server, CA, tls-server-name, proxy); a user holding only the token.
      tokenKc.loadFromClusterAndUser(kc.getCurrentCluster()!, { name: 'satoken-bearer' });
      const bearer = new Credentials({ token: token.trim(), hasClientCertificate: false, hasBasicAuth: false });
      return build(tokenKc, bearer, {}, false);
    },
    kubeconfigForToken: (userName, token, namespace) => kubeconfigForToken(cluster, userName, token, namespace),
  };
}

/** The user's token, tokenFile and exec plugin, from the kubeconfig entry after the flags. */
function credentialSource(
  resolved: ResolvedConfig,
  flags: ConnectionFlags,
  env: Record<string, string | undefined>,
  signal: AbortSignal,
  options: ConnectOptions,
): CredentialSource {
  const u = resolved.user;
  const s = (k: string) => (typeof u[k] === 'string' && u[k] !== '' ? (u[k] as string) : undefined);
  let exec: ExecAuthenticator | undefined;
  if (u.exec !== undefined && u.exec !== null) {
    exec = new ExecAuthenticator(readExecConfig(resolved.userName ?? '', u.exec), {
      env,
      stdinIsTerminal: options.stdinIsTerminal ?? false,
      stdinUnavailable: flags.stdinUnavailable ?? false,
      stderr: options.stderr,
      cluster: resolved.execCluster,
      timeoutMs: flags.requestTimeoutMs,
      signal,
      now: Date.now,
    });
  }
  return {
    token: s('token'),
    tokenFile: s('tokenFile'),
    exec,
    hasClientCertificate: Boolean(s('client-certificate') || s('client-certificate-data')),
    hasBasicAuth: Boolean(s('username') || s('password')),
  };
}
