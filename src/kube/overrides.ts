/**
 * kubectl's connection flags laid over the kubeconfig's cluster and user entries, as client-go's
 * DirectClientConfig does (kubernetes/kubernetes staging/src/k8s.io/client-go/tools/clientcmd/
 * client_config.go, getCluster and getAuthInfo): a flag that is given replaces the field; the rest
 * of the entry stands.
 */
import { isAbsolute, join } from 'node:path';
import { OperationError, UsageError } from '../errors.js';
import type { ConnectionFlags } from './types.js';

type Fields = Record<string, unknown>;

const abs = (p: string, cwd: string) => (isAbsolute(p) ? p : join(cwd, p));

/** getCluster's overrides: --server, --certificate-authority, --insecure-skip-tls-verify, --tls-server-name. */
export function applyClusterOverrides(body: Fields, flags: ConnectionFlags, cwd: string): Fields {
  const out: Fields = { ...body };
  if (flags.server) out.server = flags.server;
  // "An override of --insecure-skip-tls-verify=true and no accompanying CA/CA data should clear
  // already-set CA/CA data"; "an override of --certificate-authority should also override TLS skip
  // settings and CA data".
  if (flags.insecureSkipTlsVerify === true || flags.certificateAuthority) {
    out['insecure-skip-tls-verify'] = flags.insecureSkipTlsVerify === true;
    delete out['certificate-authority-data'];
    if (flags.certificateAuthority) out['certificate-authority'] = abs(flags.certificateAuthority, cwd);
    else delete out['certificate-authority'];
  }
  // "if the --server has been set in overrides, then use the value of --tls-server-name specified
  // on the CLI too": -s clears the kubeconfig's tls-server-name.
  if (flags.tlsServerName || flags.server) {
    if (flags.tlsServerName) out['tls-server-name'] = flags.tlsServerName;
    else delete out['tls-server-name'];
  }
  return out;
}

/**
 * getAuthInfo's overrides: --token, --client-certificate, --client-key. A certificate or key flag
 * replaces both the file and the data field (client-go handles that conflict so; kubectl 1.32
 * still refused it: "client-cert-data and client-cert are both specified").
 */
export function applyUserOverrides(body: Fields, flags: ConnectionFlags, cwd: string): Fields {
  const out: Fields = { ...body };
  if (flags.token) out.token = flags.token;
  if (flags.clientCertificate) {
    out['client-certificate'] = abs(flags.clientCertificate, cwd);
    delete out['client-certificate-data'];
  }
  if (flags.clientKey) {
    out['client-key'] = abs(flags.clientKey, cwd);
    delete out['client-key-data'];
  }
  return out;
}

/**
 * A CA together with insecure-skip-tls-verify is refused, with client-go's words
 * (transport/transport.go TLSConfigFor): a usage error when both came from flags.
 */
export function checkTlsChoice(cluster: Fields, flags: ConnectionFlags): void {
  const hasCa = Boolean(cluster['certificate-authority'] || cluster['certificate-authority-data']);
  if (cluster['insecure-skip-tls-verify'] !== true || !hasCa) return;
  const msg = 'specifying a root certificates file with the insecure flag is not allowed';
  if (flags.insecureSkipTlsVerify && flags.certificateAuthority) throw new UsageError(msg, 'give --certificate-authority or --insecure-skip-tls-verify, not both');
  throw new OperationError(msg, "remove insecure-skip-tls-verify or the certificate authority from the kubeconfig's cluster");
}
