/**
 * Provider demo cases as data: each profile's broken workloads (one namespace each), seeded by
 * `providerScenario(profile)` after the generic demo (scenarios/demo.ts), with the root cause and fix
 * `diagnose` must name. The demo script (`npm run demo -- --profile NAME`) and the profile × scenario
 * matrix (tests/matrix/) read them from here: one source of truth.
 *
 * `rootCause` is the check id diagnose must name; `fixMatches` a pattern the first fix command must
 * match (the provider-right fix: the IRSA annotation, the workload-identity label, never a
 * kube-apiserver flag where the control plane is managed).
 */
import type { ProfileName } from '../../profiles';
import { GKE_LEGACY_POOL, GKE_METADATA_LABEL } from '../../profiles/gke';

export interface ProviderObjects {
  /** ServiceAccount `app`'s annotations (e.g. eks.amazonaws.com/role-arn). */
  saAnnotations?: Record<string, string>;
  /** The pod template's labels (e.g. azure.workload.identity/use). */
  podLabels?: Record<string, string>;
  /** The app container's env (e.g. a token-file variable pointing at the wrong file). */
  env?: Array<{ name: string; value: string }>;
  /**
   * A projected ServiceAccount token mounted where the app reads its API token, in place of the
   * automounted one (automount off): a cloud token read as the API token.
   */
  apiTokenAudience?: string;
  /**
   * A token minted once, as `kubectl create token app --audience A --duration 1h` does, stored in
   * Secret `copied-token` and mounted at `dir` (file `token`): a copy nothing rotates, which the
   * demo's two hours outlive. People do this to hand a token to a tool outside the webhook's reach.
   */
  copiedToken?: { audience: string; dir: string };
  /** The pod template's nodeSelector (e.g. a GKE node pool). */
  nodeSelector?: Record<string, string>;
}

export interface ProviderCase {
  namespace: string;
  title: string;
  objects: ProviderObjects;
  /** The check diagnose must name as root cause; null = healthy. */
  rootCause: string | null;
  status: 'healthy' | 'degraded' | 'failing';
  /** A pattern the fix must match (provider-right), when there is a root cause. */
  fixMatches?: RegExp;
  /** A pattern the root cause's message must match. */
  messageMatches?: RegExp;
  /** Diagnose with `--path FILE`: a token no env variable names (Vault's agent reads a path from its config). */
  path?: string;
}

const ROLE = 'arn:aws:iam::111122223333:role/satoken-demo-app';
const AWS_TOKEN = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';
const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const AZURE_TOKEN = '/var/run/secrets/azure/tokens/azure-identity-token';
const AZURE_CLIENT = '00000000-1111-2222-3333-444444444444';
const GSA = 'satoken-app@satoken-demo-project.iam.gserviceaccount.com';
const re = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));

/**
 * A Vault token copied into a Secret, read by path (no env variable): the case every profile has,
 * since a Vault or another third party's verifier runs on any cluster (GKE, k3s and OpenShift have
 * no token-injecting identity webhook of their own).
 */
const vaultCopyExpired = (prefix: string): ProviderCase => ({
  namespace: `${prefix}-vault-copy-expired`,
  title: 'a Vault token copied into a Secret once: past its expiry, nothing rotates it (diagnose --path)',
  objects: { copiedToken: { audience: 'vault', dir: '/var/run/secrets/vault' } },
  path: '/var/run/secrets/vault/token',
  rootCause: 'third-party-tokens',
  status: 'failing',
  messageMatches: /a copy on Secret copied-token .* expired \d+m ago, so Vault refuses it/,
  // The projected volume that replaces the copy: the kubelet then rotates it.
  fixMatches: /kubectl patch deployment worker .*"projected":\{"sources":\[\{"serviceAccountToken":\{"audience":"vault"/,
});

/** The API-server side cases every profile shares: a cloud token mounted as the API token. */
const cloudTokenAsApiToken = (prefix: string, audience: string, fix: RegExp): ProviderCase => ({
  namespace: `${prefix}-cloud-as-api`,
  title: `the app reads a ${audience} token as its API token`,
  objects: { apiTokenAudience: audience },
  rootCause: 'audience',
  status: 'failing',
  fixMatches: fix,
});

export const PROVIDER_CASES: Partial<Record<ProfileName, ProviderCase[]>> = {
  eks: [
    { namespace: 'eks-irsa-healthy', title: 'IRSA: role annotation, the webhook mounts the STS token', objects: { saAnnotations: { 'eks.amazonaws.com/role-arn': ROLE } }, rootCause: null, status: 'healthy' },
    cloudTokenAsApiToken('eks', 'sts.amazonaws.com', /kubectl patch deployment/),
    {
      namespace: 'eks-irsa-missing',
      title: 'IRSA: the ServiceAccount lacks eks.amazonaws.com/role-arn (the app expects AWS_WEB_IDENTITY_TOKEN_FILE)',
      // The Deployment sets the SDK's variables itself; without the annotation the webhook mounts nothing there.
      objects: { env: [{ name: 'AWS_ROLE_ARN', value: ROLE }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: AWS_TOKEN }] },
      rootCause: 'third-party-tokens',
      status: 'failing',
      messageMatches: /no token is mounted there: EKS IRSA .* webhook did not inject one/,
      fixMatches: /kubectl annotate serviceaccount app .*eks\.amazonaws\.com\/role-arn=/,
    },
    {
      namespace: 'eks-sdk-reads-api-token',
      title: 'IRSA: AWS_WEB_IDENTITY_TOKEN_FILE points at the API token (STS refuses its audience)',
      objects: { saAnnotations: { 'eks.amazonaws.com/role-arn': ROLE }, env: [{ name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: SA_TOKEN }] },
      rootCause: 'third-party-tokens',
      status: 'failing',
      messageMatches: /points at the Kubernetes API token .*, so AWS STS refuses it \(wrong audience; .* expects sts\.amazonaws\.com/,
      fixMatches: re(`AWS_WEB_IDENTITY_TOKEN_FILE=${AWS_TOKEN}`),
    },
    {
      namespace: 'eks-irsa-copy-expired',
      title: 'IRSA: AWS_WEB_IDENTITY_TOKEN_FILE points at a copy of the STS token in a Secret, past its expiry',
      objects: {
        saAnnotations: { 'eks.amazonaws.com/role-arn': ROLE },
        copiedToken: { audience: 'sts.amazonaws.com', dir: '/var/run/secrets/aws-copy' },
        env: [{ name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/aws-copy/token' }],
      },
      rootCause: 'third-party-tokens',
      status: 'failing',
      messageMatches: /a copy on Secret copied-token .* EKS IRSA .* expired \d+m ago, so AWS STS refuses it/,
      // Back to the webhook's own token, which the kubelet rotates.
      fixMatches: re(`kubectl set env deployment/worker -n eks-irsa-copy-expired -c app AWS_WEB_IDENTITY_TOKEN_FILE=${AWS_TOKEN}`),
    },
    vaultCopyExpired('eks'),
  ],
  aks: [
    { namespace: 'aks-wi-healthy', title: 'workload identity: labelled pod, the webhook mounts the federated token', objects: { saAnnotations: { 'azure.workload.identity/client-id': AZURE_CLIENT }, podLabels: { 'azure.workload.identity/use': 'true' } }, rootCause: null, status: 'healthy' },
    cloudTokenAsApiToken('aks', 'api://AzureADTokenExchange', /kubectl patch deployment/),
    {
      namespace: 'aks-wi-unlabelled',
      title: 'workload identity: the pod lacks the azure.workload.identity/use label',
      objects: { saAnnotations: { 'azure.workload.identity/client-id': AZURE_CLIENT }, env: [{ name: 'AZURE_CLIENT_ID', value: AZURE_CLIENT }] },
      rootCause: 'third-party-tokens',
      status: 'failing',
      messageMatches: /lacks the label azure\.workload\.identity\/use=true/,
      fixMatches: /kubectl patch deployment worker .*azure\.workload\.identity\/use/,
    },
    {
      namespace: 'aks-sdk-reads-api-token',
      title: 'workload identity: AZURE_FEDERATED_TOKEN_FILE points at the API token',
      objects: { saAnnotations: { 'azure.workload.identity/client-id': AZURE_CLIENT }, podLabels: { 'azure.workload.identity/use': 'true' }, env: [{ name: 'AZURE_FEDERATED_TOKEN_FILE', value: SA_TOKEN }] },
      rootCause: 'third-party-tokens',
      status: 'failing',
      messageMatches: /points at the Kubernetes API token .*, so Microsoft Entra ID refuses it \(wrong audience; .* expects api:\/\/AzureADTokenExchange/,
      fixMatches: re(`AZURE_FEDERATED_TOKEN_FILE=${AZURE_TOKEN}`),
    },
    {
      namespace: 'aks-wi-copy-expired',
      title: 'workload identity: AZURE_FEDERATED_TOKEN_FILE points at a copy of the federated token in a Secret, past its expiry',
      objects: {
        saAnnotations: { 'azure.workload.identity/client-id': AZURE_CLIENT },
        podLabels: { 'azure.workload.identity/use': 'true' },
        copiedToken: { audience: 'api://AzureADTokenExchange', dir: '/var/run/secrets/azure-copy' },
        env: [{ name: 'AZURE_FEDERATED_TOKEN_FILE', value: '/var/run/secrets/azure-copy/token' }],
      },
      rootCause: 'third-party-tokens',
      status: 'failing',
      messageMatches: /a copy on Secret copied-token .* Azure Workload Identity in it expired \d+m ago, so Microsoft Entra ID refuses it/,
      fixMatches: re(`AZURE_FEDERATED_TOKEN_FILE=${AZURE_TOKEN}`),
    },
    vaultCopyExpired('aks'),
  ],
  // GKE Workload Identity hands out no projected token: the GKE metadata server answers the
  // client libraries on nodes that run it. Its broken case is a pod on a node that does not.
  gke: [
    {
      namespace: 'gke-wi-healthy',
      title: 'workload identity: annotated ServiceAccount, the pod on a node running the GKE metadata server',
      objects: { saAnnotations: { 'iam.gke.io/gcp-service-account': GSA }, nodeSelector: { [GKE_METADATA_LABEL]: 'true' } },
      rootCause: null,
      status: 'healthy',
    },
    {
      namespace: 'gke-wi-no-metadata-server',
      title: 'workload identity: the pod is pinned to a node pool without the GKE metadata server (it acts as the node)',
      objects: { saAnnotations: { 'iam.gke.io/gcp-service-account': GSA }, nodeSelector: { 'cloud.google.com/gke-nodepool': GKE_LEGACY_POOL } },
      rootCause: 'third-party-tokens',
      status: 'failing',
      messageMatches: /node .* does not run the GKE metadata server .* node's own service account, not as satoken-app@/,
      // Off the pinned pool, onto nodes with the metadata server.
      fixMatches: re(`kubectl patch deployment worker -n gke-wi-no-metadata-server --type json -p '[{"op":"replace","path":"/spec/template/spec/nodeSelector","value":{"iam.gke.io/gke-metadata-server-enabled":"true"}}]'`),
    },
    cloudTokenAsApiToken('gke', 'vault', /kubectl patch deployment/),
    vaultCopyExpired('gke'),
  ],
  // k3s and OpenShift inject no token of their own: a Vault token is their third-party case.
  k3s: [cloudTokenAsApiToken('k3s', 'vault', /kubectl patch deployment/), vaultCopyExpired('k3s')],
  openshift: [cloudTokenAsApiToken('openshift', 'vault', /kubectl patch deployment/), vaultCopyExpired('openshift')],
};

export function providerCases(profile: ProfileName): ProviderCase[] {
  return PROVIDER_CASES[profile] ?? [];
}
