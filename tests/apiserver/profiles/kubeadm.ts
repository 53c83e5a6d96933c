/**
 * kubeadm (and kind, which runs kubeadm): today's default cluster shape.
 *  - issuer `https://kubernetes.default.svc.cluster.local`, --api-audiences unset (upstream default:
 *    the issuers) — kubeadm's ClusterConfiguration default, kubernetes/kubernetes
 *    cmd/kubeadm/app/phases/controlplane/manifests.go getAPIServerCommand (service-account-issuer
 *    `https://kubernetes.default.svc.<dnsDomain>`);
 *  - the control plane runs as static pods in kube-system (`kube-apiserver-<node>`), their flags
 *    visible in the mirror pod's command (kubeadm's manifests, same file);
 *  - admin.conf: an embedded client certificate, CN kubernetes-admin, O system:masters, context
 *    `kubernetes-admin@<cluster>` (cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go).
 */
import { VIEWER_GROUP, type Profile } from './types';

export const KUBEADM: Profile = {
  name: 'kubeadm',
  title: 'kubeadm / kind: static control-plane pods, in-cluster issuer, client-certificate admin.conf',
  issuers: ['https://kubernetes.default.svc.cluster.local'],
  apiAudiences: undefined,
  // pkg/serviceaccount/jwt.go: RS256 for RSA keys, kid = keyIDFromPublicKey (base64url SHA-256 of the DER SPKI).
  signing: { alg: 'RS256', kid: 'spki-sha256' },
  controlPlane: 'kubeadm-static-pods',
  nodes: [
    // kubeadm init labels the control-plane node node-role.kubernetes.io/control-plane and
    // node.kubernetes.io/exclude-from-external-load-balancers (cmd/kubeadm/app/constants/constants.go).
    { name: 'node-1', internalIP: '192.168.49.2', controlPlane: true, labels: { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } },
    { name: 'node-2', internalIP: '192.168.49.3', controlPlane: false, labels: {} },
  ],
  kubeconfig: {
    cluster: 'emulator',
    user: 'kubernetes-admin',
    context: 'kubernetes-admin@emulator',
    namespace: 'default',
    shape: { kind: 'client-certificate' },
    identities: {
      admin: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      viewer: { username: 'satoken-viewer', groups: [VIEWER_GROUP, 'system:authenticated'] },
    },
  },
  webhooks: [],
  cloud: {},
};
