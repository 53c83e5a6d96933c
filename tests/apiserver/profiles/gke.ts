/**
 * Google Kubernetes Engine: a managed control plane (no apiserver pod), the issuer
 * `https://container.googleapis.com/v1/projects/<p>/locations/<l>/clusters/<c>` which is also the
 * API audience, a `gke-gcloud-auth-plugin` kubeconfig, and Workload Identity Federation through the
 * node's metadata server (no projected token added to pods).
 *
 *  - issuer and default audience: a token from `kubectl create token` on GKE carries
 *    `aud: ["https://container.googleapis.com/v1/projects/…/locations/…/clusters/…"]` and the same
 *    `iss` (external-secrets/external-secrets#5396, raesene/tocan#1, tektoncd/community#1013) — the
 *    upstream default: --api-audiences unset = the issuer; a token for
 *    `https://kubernetes.default.svc.cluster.local` is refused (raesene/tocan#1);
 *  - kubeconfig: what `gcloud container clusters get-credentials` writes: names
 *    `gke_<project>_<location>_<cluster>` (joshdk/terraform-gke-kubeconfig module/config.tpl), an
 *    `exec` of `gke-gcloud-auth-plugin`, apiVersion client.authentication.k8s.io/v1beta1, an
 *    installHint, `provideClusterInfo: true`, `interactiveMode: IfAvailable` (public copies of the
 *    generated kubeconfig found by the code search);
 *  - Workload Identity Federation: nothing is added to pods; the GKE metadata server (a DaemonSet
 *    in kube-system) answers them on nodes labelled iam.gke.io/gke-metadata-server-enabled=true,
 *    which pods select, their ServiceAccount annotated iam.gke.io/gcp-service-account
 *    (public Workload Identity manifests; the gke-metadata-server emulator's README describes
 *    Google's DaemonSet and the node label).
 */
import { VIEWER_GROUP, type Profile } from './types';

export const GKE_PROJECT = 'satoken-demo-project';
export const GKE_LOCATION = 'us-central1';
export const GKE_CLUSTER = 'satoken-demo';
export const GKE_NAME = `gke_${GKE_PROJECT}_${GKE_LOCATION}_${GKE_CLUSTER}`;
/** The node pool without the GKE metadata server (a Standard pool where Workload Identity was not enabled). */
export const GKE_LEGACY_POOL = 'legacy-pool';
/**
 * The label GKE puts on nodes that run the GKE metadata server, which Workload Identity pods select
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity: `nodeSelector:
 * iam.gke.io/gke-metadata-server-enabled: "true"`; set per node pool by `--workload-metadata=GKE_METADATA`),
 * and the node-pool label every GKE node carries (cloud.google.com/gke-nodepool).
 */
export const GKE_METADATA_LABEL = 'iam.gke.io/gke-metadata-server-enabled';
const METADATA_SERVER = { [GKE_METADATA_LABEL]: 'true' };
const pool = (name: string) => ({ 'cloud.google.com/gke-nodepool': name });
const zone = (z: string) => ({ 'topology.kubernetes.io/region': GKE_LOCATION, 'topology.kubernetes.io/zone': `${GKE_LOCATION}-${z}` });
const ISSUER = `https://container.googleapis.com/v1/projects/${GKE_PROJECT}/locations/${GKE_LOCATION}/clusters/${GKE_CLUSTER}`;

export const GKE: Profile = {
  name: 'gke',
  title: 'GKE: managed control plane, container.googleapis.com issuer = audience, gke-gcloud-auth-plugin, Workload Identity via the metadata server',
  issuers: [ISSUER],
  apiAudiences: undefined,
  signing: { alg: 'RS256', kid: 'spki-sha256' },
  controlPlane: 'none',
  nodes: [
    { name: `gke-${GKE_CLUSTER}-default-pool-3f5d7c1a-2bcd`, internalIP: '10.128.0.2', controlPlane: false, labels: { ...pool('default-pool'), ...METADATA_SERVER, ...zone('a') } },
    { name: `gke-${GKE_CLUSTER}-default-pool-3f5d7c1a-9xyz`, internalIP: '10.128.0.3', controlPlane: false, labels: { ...pool('default-pool'), ...METADATA_SERVER, ...zone('b') } },
    // A Standard node pool created without --workload-metadata=GKE_METADATA: no metadata server, no label.
    { name: `gke-${GKE_CLUSTER}-legacy-pool-7b1e9d42-q3rt`, internalIP: '10.128.0.4', controlPlane: false, labels: { ...pool(GKE_LEGACY_POOL), ...zone('c') } },
  ],
  kubeconfig: {
    cluster: GKE_NAME,
    user: GKE_NAME,
    context: GKE_NAME,
    shape: {
      kind: 'exec',
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'gke-gcloud-auth-plugin',
        args: [],
        env: null,
        installHint: 'Install gke-gcloud-auth-plugin for use with kubectl by following\nhttps://cloud.google.com/blog/products/containers-kubernetes/kubectl-auth-changes-in-gke',
        interactiveMode: 'IfAvailable',
        provideClusterInfo: true,
      },
    },
    // A Google account authenticates as its e-mail address with no groups but system:authenticated
    // (GKE grants through IAM; the emulator grants through RBAC bindings instead).
    identities: {
      admin: { username: 'satoken-admin@example.com', groups: ['system:authenticated'] },
      viewer: { username: 'satoken-viewer@example.com', groups: [VIEWER_GROUP, 'system:authenticated'] },
    },
  },
  webhooks: ['gke-workload-identity'],
  cloud: { project: GKE_PROJECT, location: GKE_LOCATION, cluster: GKE_CLUSTER },
};
