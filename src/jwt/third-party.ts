/**
 * Tokens a pod holds for someone other than the API server: projected ServiceAccount tokens that
 * identity webhooks and meshes mount with their own audience. Pure data and a lookup: decode names
 * them from `aud`, diagnose also from the volume, mount and env variable the injector uses.
 * Every fact is cited next to its entry; a kind not listed here is still judged, just not named.
 */

export interface ThirdPartyKind {
  id: 'eks-irsa' | 'eks-pod-identity' | 'azure-workload-identity' | 'vault' | 'istio' | 'linkerd';
  /** What users call it. */
  name: string;
  /** Who verifies the token, and for what. */
  purpose: string;
  /** Who refuses the token once it is expired or of the wrong audience (for messages). */
  verifier: string;
  /** The audiences its injector asks for (the first is the default). */
  audiences: string[];
  /** The projected volume names its injector creates. */
  volumes: string[];
  /** The token file's default path in the container. */
  defaultPath?: string;
  /** The env variable that tells the SDK/agent where the file is. */
  env?: string;
}

export const THIRD_PARTY_KINDS: ThirdPartyKind[] = [
  {
    // aws/amazon-eks-pod-identity-webhook main.go flags: --token-audience default "sts.amazonaws.com",
    // --token-mount-path default /var/run/secrets/eks.amazonaws.com/serviceaccount; pkg/handler/handler.go:
    // volume "aws-iam-token", file "token", env AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, when the
    // ServiceAccount has the annotation eks.amazonaws.com/role-arn; pkg/constants.go: 86400 s default.
    id: 'eks-irsa',
    name: 'EKS IRSA (IAM roles for service accounts)',
    verifier: 'AWS STS',
    purpose: 'AWS STS AssumeRoleWithWebIdentity exchanges it for the IAM role in eks.amazonaws.com/role-arn',
    audiences: ['sts.amazonaws.com'],
    volumes: ['aws-iam-token'],
    defaultPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
    env: 'AWS_WEB_IDENTITY_TOKEN_FILE',
  },
  {
    // aws/amazon-eks-pod-identity-webhook main.go flags: --container-credentials-audience default
    // "pods.eks.amazonaws.com", --container-credentials-token-volume-name "eks-pod-identity-token",
    // mount path /var/run/secrets/pods.eks.amazonaws.com/serviceaccount, file eks-pod-identity-token;
    // pkg/constants.go: env AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (and AWS_CONTAINER_CREDENTIALS_FULL_URI);
    // https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html
    id: 'eks-pod-identity',
    name: 'EKS Pod Identity',
    verifier: 'the EKS Auth API',
    purpose: 'the EKS Pod Identity Agent (AWS_CONTAINER_CREDENTIALS_FULL_URI) exchanges it through the EKS Auth API for the role of the pod identity association',
    audiences: ['pods.eks.amazonaws.com'],
    volumes: ['eks-pod-identity-token'],
    defaultPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
    env: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  },
  {
    // Azure/azure-workload-identity pkg/webhook/consts.go: DefaultAudience "api://AzureADTokenExchange",
    // AZURE_FEDERATED_TOKEN_FILE (+ AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_AUTHORITY_HOST), label
    // azure.workload.identity/use, annotation azure.workload.identity/client-id; the token file
    // azure-identity-token under /var/run/secrets/azure/tokens (later releases: a volume
    // azure-workload-identity-reserved-<hash> at /var/run/secrets/azure/wi/token/azure-identity-token).
    id: 'azure-workload-identity',
    name: 'Azure Workload Identity',
    verifier: 'Microsoft Entra ID',
    purpose: 'Microsoft Entra ID exchanges it (federated credential) for an access token of the client ID in azure.workload.identity/client-id',
    audiences: ['api://AzureADTokenExchange'],
    volumes: ['azure-identity-token', 'azure-workload-identity-reserved-'],
    defaultPath: '/var/run/secrets/azure/tokens/azure-identity-token',
    env: 'AZURE_FEDERATED_TOKEN_FILE',
  },
  {
    // Vault's Kubernetes auth role has an `audience` it verifies (https://developer.hashicorp.com/vault/api-docs/auth/kubernetes);
    // "vault" is the value the providers' examples use (Pulumi/Terraform vault.kubernetes.AuthBackendRole audience: "vault").
    id: 'vault',
    name: 'HashiCorp Vault (Kubernetes auth)',
    verifier: 'Vault',
    purpose: 'Vault\'s Kubernetes auth method verifies it (TokenReview with its role\'s audience) and returns a Vault token',
    audiences: ['vault'],
    volumes: [],
  },
  {
    // istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml: projected volume
    // istio-token, audience istio-ca, 43200 s, mounted at /var/run/secrets/tokens;
    // https://istio.io/latest/docs/ops/best-practices/security/#configure-third-party-service-account-tokens
    id: 'istio',
    name: 'Istio (sidecar / ztunnel identity)',
    verifier: 'istiod',
    purpose: 'istiod\'s CA verifies it to sign the workload\'s mTLS certificate (SPIFFE identity)',
    audiences: ['istio-ca'],
    volumes: ['istio-token'],
    defaultPath: '/var/run/secrets/tokens/istio-token',
  },
  {
    // linkerd/linkerd2 charts/partials/templates/_proxy.tpl: volume linkerd-identity-token, audience
    // identity.l5d.io, 86400 s, LINKERD2_PROXY_IDENTITY_TOKEN_FILE=/var/run/secrets/tokens/linkerd-identity-token;
    // https://linkerd.io/2021/12/28/using-kubernetess-new-bound-service-account-tokens/
    id: 'linkerd',
    name: 'Linkerd (proxy identity)',
    verifier: 'the Linkerd identity service',
    purpose: 'the Linkerd identity service verifies it to issue the proxy\'s mTLS certificate',
    audiences: ['identity.l5d.io'],
    volumes: ['linkerd-identity-token'],
    defaultPath: '/var/run/secrets/tokens/linkerd-identity-token',
    env: 'LINKERD2_PROXY_IDENTITY_TOKEN_FILE',
  },
];

/** The kind whose audiences the token carries, if any. */
export function thirdPartyByAudience(audiences: string[]): ThirdPartyKind | undefined {
  return THIRD_PARTY_KINDS.find((k) => k.audiences.some((a) => audiences.includes(a)));
}

/** The kind whose injector names its volume so (exact, or a listed prefix ending in `-`). */
export function thirdPartyByVolume(volume: string): ThirdPartyKind | undefined {
  return THIRD_PARTY_KINDS.find((k) => k.volumes.some((v) => (v.endsWith('-') ? volume.startsWith(v) : volume === v)));
}

/** The kind whose SDK reads its token path from this env variable. */
export function thirdPartyByEnv(name: string): ThirdPartyKind | undefined {
  return THIRD_PARTY_KINDS.find((k) => k.env === name);
}
