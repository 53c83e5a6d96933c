/**
 * Amazon EKS: a managed control plane (no apiserver pod), an external OIDC issuer, the API audience
 * `https://kubernetes.default.svc`, an `aws eks get-token` kubeconfig, and the
 * amazon-eks-pod-identity-webhook mutating pods for IRSA and EKS Pod Identity.
 *
 *  - issuer: `https://oidc.eks.<region>.amazonaws.com/id/<ID>` — the `identity.oidc.issuer` that
 *    `aws eks describe-cluster` prints (https://docs.aws.amazon.com/eks/latest/APIReference/API_OIDC.html;
 *    example value in https://docs.aws.amazon.com/cdk/api/latest/docs/@aws-cdk_aws-eks.OpenIdConnectProviderProps.html:
 *    `oidc.eks.eu-west-1.amazonaws.com/id/AB123456ABC`);
 *  - API audience `https://kubernetes.default.svc`, not the issuer: taken from issue #14's brief. No
 *    public source found says so outright (searched: issues, docs); the value is upstream's
 *    historical TokenRequest default audience (kubernetes/kubernetes#59428,
 *    SetDefaults_TokenRequestSpec) and many managed offerings "configure the audience differently
 *    from the issuer" (hashicorp/vault#16080);
 *  - kubeconfig: aws/aws-cli awscli/customizations/eks/update_kubeconfig.py get_user_entry():
 *    user and cluster named by the cluster ARN, `exec` with `command: aws`,
 *    `args: [--region, <region>, eks, get-token, --cluster-name, <name>]` (newer CLIs may append
 *    `--output json`), apiVersion
 *    client.authentication.k8s.io/v1beta1 (aws-iam-authenticator pkg/token/token.go FormatJSON
 *    prints a v1beta1 ExecCredential too);
 *  - nodes: names `ip-192-168-…<region>.compute.internal` (surajincloud/kubectl-eks#100), labels
 *    eks.amazonaws.com/nodegroup, eks.amazonaws.com/capacityType, eks.amazonaws.com/nodegroup-image,
 *    topology.kubernetes.io/region|zone (terraform-aws-modules/terraform-aws-eks#3081).
 */
import { VIEWER_GROUP, type Profile } from './types';

export const EKS_REGION = 'us-west-2';
export const EKS_ACCOUNT = '111122223333';
export const EKS_CLUSTER = 'satoken-demo';
/** describe-cluster's OIDC ID: 32 upper-case hex digits. */
export const EKS_OIDC_ID = 'A1B2C3D4E5F60718293A4B5C6D7E8F90';
export const EKS_CLUSTER_ARN = `arn:aws:eks:${EKS_REGION}:${EKS_ACCOUNT}:cluster/${EKS_CLUSTER}`;

const node = (ip: string, zone: string) => ({
  name: `ip-${ip.replaceAll('.', '-')}.${EKS_REGION}.compute.internal`,
  internalIP: ip,
  controlPlane: false,
  labels: {
    'beta.kubernetes.io/instance-type': 't3.large',
    'eks.amazonaws.com/capacityType': 'ON_DEMAND',
    'eks.amazonaws.com/nodegroup': 'default-ng',
    'eks.amazonaws.com/nodegroup-image': 'ami-0d021dbc3a8319a1a',
    'failure-domain.beta.kubernetes.io/region': EKS_REGION,
    'failure-domain.beta.kubernetes.io/zone': zone,
    'node.kubernetes.io/instance-type': 't3.large',
    'topology.kubernetes.io/region': EKS_REGION,
    'topology.kubernetes.io/zone': zone,
  },
});

export const EKS: Profile = {
  name: 'eks',
  title: 'Amazon EKS: managed control plane, oidc.eks issuer, audience https://kubernetes.default.svc, aws eks get-token, IRSA + Pod Identity',
  issuers: [`https://oidc.eks.${EKS_REGION}.amazonaws.com/id/${EKS_OIDC_ID}`],
  apiAudiences: ['https://kubernetes.default.svc'],
  signing: { alg: 'RS256', kid: 'spki-sha256' },
  controlPlane: 'none',
  nodes: [node('192.168.152.204', `${EKS_REGION}a`), node('192.168.168.19', `${EKS_REGION}b`)],
  kubeconfig: {
    cluster: EKS_CLUSTER_ARN,
    user: EKS_CLUSTER_ARN,
    context: EKS_CLUSTER_ARN,
    shape: {
      kind: 'exec',
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'aws',
        args: ['--region', EKS_REGION, 'eks', 'get-token', '--cluster-name', EKS_CLUSTER],
      },
    },
    // IAM users mapped by the aws-auth ConfigMap's mapUsers; aws-iam-authenticator
    // pkg/server/server.go: uid `aws-iam-authenticator:<account>:<userid>`, extra arn,
    // canonicalArn, sessionName, accessKeyId (the access key ids are generated per start).
    identities: {
      admin: { username: 'satoken-admin', uid: `aws-iam-authenticator:${EKS_ACCOUNT}:AIDAEXAMPLEADMIN0001`, groups: ['system:masters', 'system:authenticated'] },
      viewer: { username: 'satoken-viewer', uid: `aws-iam-authenticator:${EKS_ACCOUNT}:AIDAEXAMPLEVIEWER001`, groups: [VIEWER_GROUP, 'system:authenticated'] },
    },
  },
  webhooks: ['eks-irsa', 'eks-pod-identity'],
  cloud: { region: EKS_REGION, account: EKS_ACCOUNT, cluster: EKS_CLUSTER },
};
