// kube-apiserver ServiceAccount flags of each provider shape, the same issuers and audiences as
// the emulator's profiles (tests/apiserver/profiles/*.ts, which cite where each value comes from).
// Flag meanings: k/k pkg/kubeapiserver/options/authentication.go (--service-account-issuer: the first
// signs, all are accepted; --api-audiences defaults to the issuers) and
// pkg/controlplane/apiserver/options/options.go (--service-account-max-token-expiration).
export const REAL_PROFILES = ['kubeadm', 'eks', 'gke', 'aks', 'k3s'];

const AKS_FQDN = 'satoken-demo-dns-1a2b3c4d.hcp.eastus.azmk8s.io';

/** The issuer/audience/expiration flags for `profile`. */
export function serviceAccountFlags(profile) {
  switch (profile) {
    case 'kubeadm':
      // kubeadm's default issuer https://kubernetes.default.svc.<dnsDomain>, audiences unset
      // (k/k cmd/kubeadm/app/phases/controlplane/manifests.go getAPIServerCommand).
      return ['--service-account-issuer=https://kubernetes.default.svc.cluster.local'];
    case 'k3s':
      // k3s-io/k3s pkg/daemons/control/server.go apiServer(): issuer https://kubernetes.default.svc.<domain>,
      // api-audiences that issuer plus "k3s" (version.Program).
      return ['--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--api-audiences=https://kubernetes.default.svc.cluster.local,k3s'];
    case 'eks':
      // The identity.oidc.issuer `aws eks describe-cluster` prints
      // (docs.aws.amazon.com/eks/latest/APIReference/API_OIDC.html); the API audience the emulator's
      // eks profile models. EKS publishes no max-expiration or extension setting: upstream defaults.
      return ['--service-account-issuer=https://oidc.eks.us-west-2.amazonaws.com/id/A1B2C3D4E5F60718293A4B5C6D7E8F90',
        '--api-audiences=https://kubernetes.default.svc'];
    case 'gke':
      // Tokens carry aud = iss = the container.googleapis.com cluster URL: audiences left to default.
      return ['--service-account-issuer=https://container.googleapis.com/v1/projects/satoken-demo-project/locations/us-central1/clusters/satoken-demo'];
    case 'aks':
      // OIDC issuer https://<region>.oic.prod-aks.azure.com/<tenant>/<id>/ and "The maximum lifetime of
      // the token issued by the OIDC provider is one day" (learn.microsoft.com/azure/aks/use-oidc-issuer);
      // with the OIDC issuer on, projected tokens keep their 1 h default instead of being extended
      // to a year (same page: "refresh the token manually every 24 hours").
      return ['--service-account-issuer=https://eastus.oic.prod-aks.azure.com/72f988bf-0000-4000-8000-2d7cd011db47/0e6c1f4a-9b1d-4c2e-8f3a-5d7b9c1e2f30/',
        // pflag reads a string slice as one CSV record: """x""" is the audience "x" with its quotes.
        `--api-audiences=https://${AKS_FQDN},"""${AKS_FQDN}"""`,
        '--service-account-max-token-expiration=24h',
        '--service-account-extend-token-expiration=false'];
    default:
      throw new Error(`unknown profile ${profile}`);
  }
}
