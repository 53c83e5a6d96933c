/**
 * OpenShift Container Platform 4: an operator-managed control plane whose kube-apiserver pods live
 * in their own namespace `openshift-kube-apiserver`, the issuer `https://kubernetes.default.svc`, a
 * bearer-token kubeconfig from `oc login`, and the ServiceAccount controllers that give every
 * ServiceAccount a dockercfg pull Secret (and, before 4.16, a legacy token Secret).
 *
 *  - issuer: Authentication `cluster` spec.serviceAccountIssuer, "The default is
 *    https://kubernetes.default.svc" (openshift/openshift-docs#21118,
 *    modules/bound-sa-tokens-configuring.adoc; set by openshift/cluster-kube-apiserver-operator#809);
 *    --api-audiences left to the upstream default (the issuer);
 *  - kubeconfig after `oc login`: cluster `<host-with-dashes>:<port>`, user `<user>/<cluster>`,
 *    context `<namespace>/<cluster>/<user>` (openshift/origin#6408 shows the naming; the cluster
 *    host api.crc.testing:6443 is OpenShift Local's, crc-org/crc#196), a bearer token; the
 *    kubeadmin user is `kube:admin` in the cluster (openstack-k8s-operators/ci-framework#744).
 */
import { VIEWER_GROUP, type Profile } from './types';

export const OPENSHIFT_API_HOST = 'api.crc.testing:6443';
const CLUSTER = 'api-crc-testing:6443';
const USER = 'kube:admin';

export const OPENSHIFT: Profile = {
  name: 'openshift',
  title: 'OpenShift 4: kube-apiserver pods in openshift-kube-apiserver, issuer https://kubernetes.default.svc, oc login token, dockercfg Secrets',
  issuers: ['https://kubernetes.default.svc'],
  apiAudiences: undefined,
  signing: { alg: 'RS256', kid: 'spki-sha256' },
  controlPlane: 'openshift-kube-apiserver',
  nodes: [
    { name: 'crc', internalIP: '192.168.126.11', controlPlane: true, labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/worker': '' } },
  ],
  kubeconfig: {
    cluster: CLUSTER,
    user: `${USER}/${CLUSTER}`,
    context: `default/${CLUSTER}/${USER}`,
    namespace: 'default',
    shape: { kind: 'token' },
    // OAuth-token users carry the virtual groups system:authenticated and
    // system:authenticated:oauth; kube:admin is a cluster admin through system:cluster-admins.
    identities: {
      admin: { username: USER, groups: ['system:cluster-admins', 'system:authenticated', 'system:authenticated:oauth'] },
      viewer: { username: 'developer', groups: [VIEWER_GROUP, 'system:authenticated', 'system:authenticated:oauth'] },
    },
  },
  webhooks: ['openshift-legacy-secrets'],
  cloud: { apiHost: OPENSHIFT_API_HOST },
};
