/**
 * Which of the credentials a request carried the API server authenticated. A kubeconfig user with a
 * client certificate and a token (`--token` on a certificate kubeconfig, as kubectl allows) sends
 * both, and kube-apiserver tries its x509 authenticator before any bearer token: one union of
 * authenticators, first success wins (k8s.io/kubernetes pkg/kubeapiserver/authenticator/config.go
 * Config.New; k8s.io/apiserver pkg/authentication/request/union/union.go). The token counts only
 * when the server refused the certificate (a CA it does not trust).
 */
import type { CredentialKind } from '../../kube/types.js';
import type { WhoAmI } from './types.js';

/** The extra the authenticators set: `X509SHA256=…` for a certificate, `JTI=…` for a service-account token. */
const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

export function authenticatedCredential(sent: CredentialKind, extra: Record<string, string[]>): WhoAmI['credential'] {
  const { withClientCertificate, ...kind } = sent;
  if (!withClientCertificate) return kind;
  const id = extra[CREDENTIAL_ID]?.[0] ?? '';
  // The server names the credential it took where it is new enough to (a credential-id extra on certificates too).
  if (id.startsWith('JTI=')) return { ...kind, unused: 'client-certificate', decidedBy: 'credential-id' };
  if (id.startsWith('X509SHA256=')) return { kind: 'client-certificate', unused: sent.kind, decidedBy: 'credential-id' };
  return { kind: 'client-certificate', unused: sent.kind, decidedBy: 'precedence' };
}
