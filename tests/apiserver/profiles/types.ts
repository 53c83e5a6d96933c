/**
 * What a provider profile says about a cluster: what that provider really configures for
 * ServiceAccount tokens (issuer, audiences, signing key), what a user of that provider sees of the
 * control plane and the nodes, the shape of the kubeconfig the provider's tooling writes, who may
 * read issuer discovery, and which identity webhooks mutate pods at admission.
 *
 * Every provider file (eks.ts, gke.ts, …) cites the public source of each fact next to it.
 */

export type ProfileName = 'kubeadm' | 'eks' | 'gke' | 'aks' | 'k3s' | 'openshift';

/** The identity webhooks the emulator can run at pod admission (admission/webhooks/). */
export type WebhookName =
  /** aws/amazon-eks-pod-identity-webhook, IRSA half: ServiceAccount annotation eks.amazonaws.com/role-arn. */
  | 'eks-irsa'
  /** The same webhook's EKS Pod Identity half: a pod identity association for the ServiceAccount. */
  | 'eks-pod-identity'
  /** Azure/azure-workload-identity: pod label azure.workload.identity/use=true. */
  | 'aks-workload-identity'
  /** GKE Workload Identity Federation: no pod mutation, the node's metadata server answers. */
  | 'gke-workload-identity'
  /** OpenShift's ServiceAccount controllers: a dockercfg (and, before 4.16, a token) Secret per ServiceAccount. */
  | 'openshift-legacy-secrets';

/** Who the kubeconfig's user is once the API server has authenticated its credential. */
export interface ProfileIdentity {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The `user.exec` stanza the provider's tooling writes (client-go's ExecConfig, kubeconfig spelling). */
export interface ExecStanza {
  apiVersion: 'client.authentication.k8s.io/v1' | 'client.authentication.k8s.io/v1beta1';
  /** As the real kubeconfig names it: a bare command found on PATH. */
  command: string;
  args: string[];
  env?: Array<{ name: string; value: string }> | null;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
}

export type KubeconfigShape =
  /** kubeadm's admin.conf, k3s's k3s.yaml: an embedded client certificate (CN = username, O = groups). */
  | { kind: 'client-certificate' }
  /** EKS, GKE, AKS: a credential plugin the emulator ships a stand-in for (profiles/plugins/). */
  | { kind: 'exec'; exec: ExecStanza }
  /** OpenShift after `oc login`: a bearer token. */
  | { kind: 'token' };

export interface KubeconfigProfile {
  /** clusters[].name, users[].name, contexts[].name as the provider's tooling writes them. */
  cluster: string;
  user: string;
  context: string;
  /** contexts[].context.namespace, when the tool sets one. */
  namespace?: string;
  shape: KubeconfigShape;
  /**
   * Who the kubeconfig's credential authenticates as, by `StartOptions.identity`: `admin` (a
   * cluster admin, as the provider's tooling logs its creator in) or `viewer` (the `view`
   * ClusterRole only: issuer discovery is forbidden to it, as to every non-ServiceAccount user
   * the default system:service-account-issuer-discovery binding does not name).
   * `system:authenticated` is added by the API server and is listed here too (what
   * `kubectl auth whoami` shows).
   */
  identities: Record<IdentityName, ProfileIdentity>;
}

export type IdentityName = 'admin' | 'viewer';

/** The group the emulator binds to the `view` ClusterRole for the viewer identities. */
export const VIEWER_GROUP = 'satoken:viewers';

export interface ProfileNode {
  name: string;
  internalIP: string;
  /** Labels beyond the kubelet's own (kubernetes.io/hostname, /os, /arch), as the provider sets them. */
  labels: Record<string, string>;
  controlPlane: boolean;
}

export interface Profile {
  name: ProfileName;
  /** One line for --help and the README. */
  title: string;
  /** --service-account-issuer (the first signs; all are accepted). */
  issuers: string[];
  /** --api-audiences as the provider sets them; undefined = not set (upstream default: the issuers). */
  apiAudiences?: string[];
  /** The signing key: upstream kube-apiserver signs RS256 with kid = base64url(SHA-256(DER SPKI)). */
  signing: { alg: 'RS256'; kid: 'spki-sha256' };
  /**
   * What a user sees of the control plane: kubeadm's static pods in kube-system, OpenShift's
   * operator-managed pods in openshift-kube-apiserver, or nothing (managed control planes, k3s's
   * in-process one).
   */
  controlPlane: 'kubeadm-static-pods' | 'openshift-kube-apiserver' | 'none';
  nodes: ProfileNode[];
  kubeconfig: KubeconfigProfile;
  /** Identity webhooks the provider runs at pod admission. */
  webhooks: WebhookName[];
  /** Provider facts the webhooks and the stand-in plugins need (region, account, tenant, …). */
  cloud: Record<string, string>;
}
