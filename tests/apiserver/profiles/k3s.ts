/**
 * k3s: the whole control plane runs inside the `k3s server` process, so no kube-apiserver pod exists.
 *  - issuer and audiences: k3s-io/k3s pkg/daemons/control/server.go apiServer():
 *      argsMap["service-account-issuer"] = "https://kubernetes.default.svc." + cfg.ClusterDomain
 *      argsMap["api-audiences"] = "https://kubernetes.default.svc." + cfg.ClusterDomain + "," + version.Program
 *    (version.Program is "k3s"; the cluster domain defaults to cluster.local);
 *  - node labels: k3s-io/k3s#14028 (v1.35: node-role.kubernetes.io/control-plane=true,
 *    node.kubernetes.io/instance-type=k3s, beta.kubernetes.io/instance-type=k3s) and
 *    rackerlabs/understack#72 (older releases add node-role.kubernetes.io/master=true too);
 *  - /etc/rancher/k3s/k3s.yaml: cluster, user and context all named `default`, an embedded client
 *    certificate for `system:admin` in `system:masters` (k3s-io/k3s pkg/daemons/control/deps/deps.go
 *    genClientCerts: the admin certificate's CN is "system:admin", its O user.SystemPrivilegedGroup).
 */
import { VIEWER_GROUP, type Profile } from './types';

export const K3S: Profile = {
  name: 'k3s',
  title: 'k3s: in-process control plane (no apiserver pod), audiences issuer + "k3s", client-certificate k3s.yaml',
  issuers: ['https://kubernetes.default.svc.cluster.local'],
  apiAudiences: ['https://kubernetes.default.svc.cluster.local', 'k3s'],
  signing: { alg: 'RS256', kid: 'spki-sha256' },
  controlPlane: 'none',
  nodes: [
    {
      name: 'server1',
      internalIP: '10.200.200.2',
      controlPlane: true,
      labels: { 'beta.kubernetes.io/instance-type': 'k3s', 'node-role.kubernetes.io/control-plane': 'true', 'node.kubernetes.io/instance-type': 'k3s' },
    },
    { name: 'agent1', internalIP: '10.200.200.3', controlPlane: false, labels: { 'beta.kubernetes.io/instance-type': 'k3s', 'node.kubernetes.io/instance-type': 'k3s' } },
  ],
  kubeconfig: {
    cluster: 'default',
    user: 'default',
    context: 'default',
    shape: { kind: 'client-certificate' },
    identities: {
      admin: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] },
      viewer: { username: 'satoken-viewer', groups: [VIEWER_GROUP, 'system:authenticated'] },
    },
  },
  webhooks: [],
  cloud: {},
};
