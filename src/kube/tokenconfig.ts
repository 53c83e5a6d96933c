/**
 * The kubeconfig a ServiceAccount token holder needs (mint -o kubeconfig): the same cluster, its
 * CA embedded so the file stands alone, a user named after the ServiceAccount holding only the
 * token, and a context with the namespace.
 */
import { stringify } from 'yaml';
import { printableProxyUrl } from './env-proxy.js';
import type { ClusterInfo } from './types.js';

export function kubeconfigForToken(cluster: ClusterInfo, userName: string, token: string, namespace: string): string {
  const contextName = `${userName}@${cluster.clusterName}`;
  const clusterBody: Record<string, unknown> = { server: cluster.server };
  if (cluster.caPem) clusterBody['certificate-authority-data'] = Buffer.from(cluster.caPem).toString('base64');
  if (cluster.insecureSkipTlsVerify) clusterBody['insecure-skip-tls-verify'] = true;
  if (cluster.tlsServerName) clusterBody['tls-server-name'] = cluster.tlsServerName;
  // A cluster reached only through a proxy is reached through it with this kubeconfig too, but
  // the file is handed to the token's holder: the proxy's user and password are the minter's own.
  if (cluster.proxyUrl) clusterBody['proxy-url'] = printableProxyUrl(cluster.proxyUrl);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster.clusterName, cluster: clusterBody }],
    users: [{ name: userName, user: { token } }],
    contexts: [{ name: contextName, context: { cluster: cluster.clusterName, user: userName, namespace } }],
    'current-context': contextName,
  });
}
