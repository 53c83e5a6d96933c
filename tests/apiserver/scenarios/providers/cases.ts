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
  /**
   * Set while the plugin has no check that can name this root cause yet (the matrix then skips the
   * cell and says why, instead of landing a failing test).
   */
  awaits?: string;
}

const ROLE = 'arn:aws:iam::111122223333:role/satoken-demo-app';
const AWS_TOKEN = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';
const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const AZURE_TOKEN = '/var/run/secrets/azure/tokens/azure-identity-token';

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
      objects: { env: [{ name: 'AWS_ROLE_ARN', value: ROLE }] },
      rootCause: 'third-party-token',
      awaits: 'a third-party-token check in the plugin (issue 14, tokens side)',
      status: 'failing',
      fixMatches: /kubectl annotate serviceaccount app .*eks\.amazonaws\.com\/role-arn=/,
    },
    {
      namespace: 'eks-sdk-reads-api-token',
      title: 'IRSA: AWS_WEB_IDENTITY_TOKEN_FILE points at the API token (STS refuses its audience)',
      objects: { saAnnotations: { 'eks.amazonaws.com/role-arn': ROLE }, env: [{ name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: SA_TOKEN }] },
      rootCause: 'third-party-token',
      awaits: 'a third-party-token check in the plugin (issue 14, tokens side)',
      status: 'failing',
      fixMatches: new RegExp(AWS_TOKEN.replace(/\./g, '\\.')),
    },
  ],
  aks: [
    { namespace: 'aks-wi-healthy', title: 'workload identity: labelled pod, the webhook mounts the federated token', objects: { saAnnotations: { 'azure.workload.identity/client-id': '00000000-1111-2222-3333-444444444444' }, podLabels: { 'azure.workload.identity/use': 'true' } }, rootCause: null, status: 'healthy' },
    cloudTokenAsApiToken('aks', 'api://AzureADTokenExchange', /kubectl patch deployment/),
    {
      namespace: 'aks-wi-unlabelled',
      title: 'workload identity: the pod lacks the azure.workload.identity/use label',
      objects: { saAnnotations: { 'azure.workload.identity/client-id': '00000000-1111-2222-3333-444444444444' }, env: [{ name: 'AZURE_CLIENT_ID', value: '00000000-1111-2222-3333-444444444444' }] },
      rootCause: 'third-party-token',
      awaits: 'a third-party-token check in the plugin (issue 14, tokens side)',
      status: 'failing',
      fixMatches: /azure\.workload\.identity\/use/,
    },
    {
      namespace: 'aks-sdk-reads-api-token',
      title: 'workload identity: AZURE_FEDERATED_TOKEN_FILE points at the API token',
      objects: { saAnnotations: { 'azure.workload.identity/client-id': '00000000-1111-2222-3333-444444444444' }, podLabels: { 'azure.workload.identity/use': 'true' }, env: [{ name: 'AZURE_FEDERATED_TOKEN_FILE', value: SA_TOKEN }] },
      rootCause: 'third-party-token',
      awaits: 'a third-party-token check in the plugin (issue 14, tokens side)',
      status: 'failing',
      fixMatches: new RegExp(AZURE_TOKEN.replace(/\./g, '\\.')),
    },
  ],
  gke: [cloudTokenAsApiToken('gke', 'vault', /kubectl patch deployment/)],
  k3s: [cloudTokenAsApiToken('k3s', 'vault', /kubectl patch deployment/)],
  openshift: [cloudTokenAsApiToken('openshift', 'vault', /kubectl patch deployment/)],
};

export function providerCases(profile: ProfileName): ProviderCase[] {
  return PROVIDER_CASES[profile] ?? [];
}
