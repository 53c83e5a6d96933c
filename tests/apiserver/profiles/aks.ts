/**
 * Azure Kubernetes Service: a managed control plane (no apiserver pod), the OIDC issuer
 * `https://<region>.oic.prod-aks.azure.com/<tenant>/<id>/`, a `kubelogin` kubeconfig, and the
 * azure-workload-identity webhook mutating pods labelled `azure.workload.identity/use: "true"`.
 *
 *  - issuer: `az aks show --query oidcIssuerProfile.issuerUrl`
 *    (https://learn.microsoft.com/azure/aks/use-oidc-issuer; its shape with the tenant segment:
 *    MicrosoftDocs/azure-docs#116327, the regional host: sigstore/fulcio#970);
 *  - API audiences: the cluster's API server FQDN — `https://<fqdn>` and the quoted `"<fqdn>"`.
 *    Partly sourced: Azure/AKS#2523 shows the quoted FQDN as `aud` (and `iss`) of a 1.21 cluster's
 *    token; Azure/AKS#4321 shows `https://<fqdn>` as the issuer of clusters without the OIDC issuer
 *    and calls the default token audience "wrong" (the rest of that report is not in our copy). The
 *    pair is the emulator's reading of both;
 *  - kubeconfig: after `az aks get-credentials` + `kubelogin convert-kubeconfig -l azurecli`:
 *    names = the cluster name (user `clusterUser_<rg>_<cluster>`), `exec` of `kubelogin get-token`
 *    with apiVersion client.authentication.k8s.io/v1beta1 and the AKS AAD server app ID
 *    6dae42f8-4368-4678-94ff-3960e28e3630 (Azure/kubelogin docs/book/src/concepts/exec-plugin.md and
 *    login-modes/azurecli.md; the server ID: kubernetes-sigs/headlamp#3177);
 *  - nodes: `aks-<pool>-<8 digits>-vmss00000N`, labels agentpool, kubernetes.azure.com/agentpool,
 *    kubernetes.azure.com/cluster, kubernetes.azure.com/mode, kubernetes.azure.com/role
 *    (Azure/AKS#2152's `kubectl get nodes --show-labels`).
 */
import { VIEWER_GROUP, type Profile } from './types';

export const AKS_REGION = 'eastus';
export const AKS_TENANT = '72f988bf-0000-4000-8000-2d7cd011db47';
export const AKS_ISSUER_ID = '0e6c1f4a-9b1d-4c2e-8f3a-5d7b9c1e2f30';
export const AKS_CLUSTER = 'satoken-demo';
export const AKS_RESOURCE_GROUP = 'satoken-rg';
export const AKS_FQDN = `${AKS_CLUSTER}-dns-1a2b3c4d.hcp.${AKS_REGION}.azmk8s.io`;
/** The Entra ID group the emulated cluster binds to cluster-admin (AKS's --aad-admin-group-object-ids). */
export const AKS_ADMIN_GROUP_ID = '3f1c2b4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
/** The AKS AAD server application every AKS-managed-AAD token is issued for. */
export const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';

const node = (i: number) => ({
  name: `aks-nodepool1-19751617-vmss00000${i}`,
  internalIP: `10.224.0.${4 + i}`,
  controlPlane: false,
  labels: {
    agentpool: 'nodepool1',
    'kubernetes.azure.com/agentpool': 'nodepool1',
    'kubernetes.azure.com/cluster': `MC_${AKS_RESOURCE_GROUP}_${AKS_CLUSTER}_${AKS_REGION}`,
    'kubernetes.azure.com/mode': 'system',
    'kubernetes.azure.com/role': 'agent',
    'kubernetes.io/role': 'agent',
    'node-role.kubernetes.io/agent': '',
    'topology.kubernetes.io/region': AKS_REGION,
    'topology.kubernetes.io/zone': `${AKS_REGION}-${i + 1}`,
  },
});

export const AKS: Profile = {
  name: 'aks',
  title: 'AKS: managed control plane, oic.prod-aks.azure.com issuer, FQDN audiences, kubelogin, Azure Workload Identity',
  issuers: [`https://${AKS_REGION}.oic.prod-aks.azure.com/${AKS_TENANT}/${AKS_ISSUER_ID}/`],
  apiAudiences: [`https://${AKS_FQDN}`, `"${AKS_FQDN}"`],
  signing: { alg: 'RS256', kid: 'spki-sha256' },
  controlPlane: 'none',
  nodes: [node(0), node(1)],
  kubeconfig: {
    cluster: AKS_CLUSTER,
    user: `clusterUser_${AKS_RESOURCE_GROUP}_${AKS_CLUSTER}`,
    context: AKS_CLUSTER,
    shape: {
      kind: 'exec',
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'kubelogin',
        args: ['get-token', '--login', 'azurecli', '--server-id', AKS_SERVER_APP_ID],
        env: null,
        provideClusterInfo: false,
      },
    },
    // An Entra ID user authenticates as its UPN, its groups as their object IDs (the admin's is the
    // cluster's admin group, bound to cluster-admin).
    identities: {
      admin: { username: 'satoken-admin@contoso.com', groups: [AKS_ADMIN_GROUP_ID, 'system:authenticated'] },
      viewer: { username: 'satoken-viewer@contoso.com', groups: [VIEWER_GROUP, 'system:authenticated'] },
    },
  },
  webhooks: ['aks-workload-identity'],
  cloud: { region: AKS_REGION, tenant: AKS_TENANT, cluster: AKS_CLUSTER, fqdn: AKS_FQDN },
};
