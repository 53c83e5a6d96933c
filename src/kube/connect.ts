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
import { guardExecPlugin } from './credentials.js';
import { resolveConfig } from './kubeconfig.js';
import { kubeconfigForToken } from './tokenconfig.js';
import { makeTransport, type TransportSettings } from './transport.js';
import type { ClusterInfo, ConnectionFlags, ConnectOptions, KubeApi, KubeConnection } from './types.js';

export async function connect(
  flags: ConnectionFlags,
  env: Record<string, string | undefined>,
  signal: AbortSignal,
  options: ConnectOptions = {},
): Promise<KubeConnection> {
  if (flags.asGroups?.length && !flags.as) {
    throw new UsageError('requesting groups without impersonating a user: --as-group needs --as', 'add --as USER');
  }
  const resolved = resolveConfig(flags, { env, serviceAccountDir: options.serviceAccountDir });
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromString(JSON.stringify(resolved.kubeconfig));
  } catch (e) {
    throw new OperationError(`cannot use the kubeconfig (${(e as Error).message.split('\n')[0]})`);
  }
  guardExecPlugin(kc, flags.requestTimeoutMs, signal);

  const cluster: ClusterInfo = {
    contextName: resolved.contextName,
    clusterName: resolved.clusterName,
    server: resolved.server,
    caPem: resolved.caPem,
    insecureSkipTlsVerify: resolved.insecureSkipTlsVerify,
    tlsServerName: resolved.tlsServerName,
    inCluster: resolved.inCluster,
  };
  const log = flags.debug ? options.log : undefined;
  const impersonation: Record<string, string | string[]> = {};
  if (flags.as) impersonation['Impersonate-User'] = flags.as;
  if (flags.asGroups?.length) impersonation['Impersonate-Group'] = flags.asGroups;

  const build = (config: KubeConfig, extraHeaders: Record<string, string | string[]>, ownCredentials: boolean): KubeApi => {
    const transportSettings: TransportSettings = { kc: config, extraHeaders, log };
    const call: CallSettings = { server: resolved.server, timeoutMs: flags.requestTimeoutMs, signal, ownCredentials };
    return makeApi({ k8s, kc: config, transport: makeTransport(k8s, transportSettings), transportSettings, call });
  };

  return {
    namespace: flags.namespace ?? resolved.namespace ?? 'default',
    namespaceExplicit: flags.namespace !== undefined,
    cluster,
    api: build(kc, impersonation, true),
    forToken(token: string): KubeApi {
      const tokenKc = new k8s.KubeConfig();
      // The same cluster entry (server, CA, tls-server-name, proxy); a user holding only the token.
      tokenKc.loadFromClusterAndUser(kc.getCurrentCluster()!, { name: 'satoken-bearer', token: token.trim() });
      return build(tokenKc, {}, false);
    },
    kubeconfigForToken: (userName, token, namespace) => kubeconfigForToken(cluster, userName, token, namespace),
  };
}
