/**
 * The identity webhooks of the cluster's profile, as mutating admission of pods: they run after
 * the built-in ServiceAccount plugin, as kube-apiserver's MutatingAdmissionWebhook does (built-in
 * mutating plugins first). GKE's Workload Identity mutates nothing: the node's metadata server
 * answers instead (profiles/gke.ts). OpenShift's Secrets come from a controller
 * (openshift-service-account-secrets.ts), not admission.
 */
import type { Cluster } from '../../cluster';
import type { KubeObject } from '../../store/types';
import { azureWorkloadIdentityWebhook } from './azure-workload-identity';
import { eksPodIdentityWebhook } from './eks-pod-identity-webhook';

export function mutatingWebhooks(cluster: Cluster, pod: KubeObject): void {
  const hooks = cluster.options.profile.webhooks;
  if (hooks.includes('eks-irsa') || hooks.includes('eks-pod-identity')) eksPodIdentityWebhook(cluster, pod);
  if (hooks.includes('aks-workload-identity')) azureWorkloadIdentityWebhook(cluster, pod);
  defaultWebhookVolumes(pod);
}

/**
 * A webhook's patched object is decoded, and so defaulted, again (apiserver mutating webhook
 * dispatcher): the projected volumes they add get SetDefaults_ProjectedVolumeSource's
 * defaultMode 0644 (pkg/apis/core/v1/defaults.go).
 */
function defaultWebhookVolumes(pod: KubeObject): void {
  for (const v of pod.spec?.volumes ?? []) {
    if (v.projected && v.projected.defaultMode === undefined) v.projected.defaultMode = 0o644;
  }
}
