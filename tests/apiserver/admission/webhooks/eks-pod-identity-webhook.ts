/**
 * aws/amazon-eks-pod-identity-webhook as EKS runs it, applied at pod admission after the built-in
 * ServiceAccount plugin (mutating webhooks run after the built-in mutating plugins).
 *
 * pkg/handler/handler.go buildPodPatchConfig: EKS Pod Identity ("container credentials") takes
 * precedence over IRSA; then per container addEnvToContainer / getPodSpecPatch:
 *  - IRSA when the ServiceAccount has `eks.amazonaws.com/role-arn`: projected volume `aws-iam-token`
 *    (serviceAccountToken path `token`, audience = SA `eks.amazonaws.com/audience` or
 *    `sts.amazonaws.com`) added first in spec.volumes, mounted read-only at
 *    /var/run/secrets/eks.amazonaws.com/serviceaccount; env AWS_STS_REGIONAL_ENDPOINTS=regional,
 *    AWS_DEFAULT_REGION / AWS_REGION, AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE — each group only
 *    when none of its variables is set; a container with all of them set is left alone entirely
 *    (no mount either).
 *  - EKS Pod Identity when a pod identity association names the ServiceAccount: volume
 *    `eks-pod-identity-token` (audience `pods.eks.amazonaws.com`) at
 *    /var/run/secrets/pods.eks.amazonaws.com/serviceaccount, env AWS_CONTAINER_CREDENTIALS_FULL_URI
 *    (http://169.254.170.23/v1/credentials) and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, and the pod
 *    label eks.amazonaws.com/pod-identity=enabled (pkg/handler/testdata/containercredentials/
 *    rawPodNeedsAll.pod.yaml's expected patch; the values EKS configures:
 *    https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html, and a mutated
 *    pod's `kubectl describe` in public notes shows the same env and mount).
 *  - token expiration: pod annotation `eks.amazonaws.com/token-expiration` > the ServiceAccount's >
 *    86400 (pkg/constants.go DefaultTokenExpiration), never under 600 (MinTokenExpiration, "10mins is
 *    min for kube-apiserver", through pkg/validation.go ValidateMinTokenExpiration; v0.6.17);
 *  - `eks.amazonaws.com/skip-containers` (pod annotation, comma-separated) skips containers
 *    (pkg/annotations.go);
 *  - EKS runs the webhook with its region and regional STS endpoints on (a mutated pod shows
 *    AWS_STS_REGIONAL_ENDPOINTS=regional and AWS_DEFAULT_REGION/AWS_REGION); the ServiceAccount
 *    annotation `eks.amazonaws.com/sts-regional-endpoints: "false"` turns the first off.
 *
 * Pod identity associations live in the EKS API (CreatePodIdentityAssociation), not in Kubernetes:
 * the emulator takes them from the ServiceAccount annotation
 * `emulator.satoken.dev/eks-pod-identity-role-arn` (an emulator convention, like its pod annotations).
 */
import type { Cluster } from '../../cluster';
import type { KubeObject } from '../../store/types';

export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
export const IRSA_AUDIENCE_ANNOTATION = 'eks.amazonaws.com/audience';
export const IRSA_REGIONAL_STS_ANNOTATION = 'eks.amazonaws.com/sts-regional-endpoints';
export const IRSA_TOKEN_EXPIRATION_ANNOTATION = 'eks.amazonaws.com/token-expiration';
export const IRSA_SKIP_CONTAINERS_ANNOTATION = 'eks.amazonaws.com/skip-containers';
export const POD_IDENTITY_ASSOCIATION_ANNOTATION = 'emulator.satoken.dev/eks-pod-identity-role-arn';
export const POD_IDENTITY_LABEL = 'eks.amazonaws.com/pod-identity';

export const IRSA_VOLUME = 'aws-iam-token';
export const IRSA_MOUNT_PATH = '/var/run/secrets/eks.amazonaws.com/serviceaccount';
export const IRSA_DEFAULT_AUDIENCE = 'sts.amazonaws.com';
export const POD_IDENTITY_VOLUME = 'eks-pod-identity-token';
export const POD_IDENTITY_MOUNT_PATH = '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount';
export const POD_IDENTITY_AUDIENCE = 'pods.eks.amazonaws.com';
export const POD_IDENTITY_URI = 'http://169.254.170.23/v1/credentials';
const DEFAULT_TOKEN_EXPIRATION = 86400;
const MIN_TOKEN_EXPIRATION = 600;

interface PatchConfig {
  volumeName: string;
  mountPath: string;
  tokenPath: string;
  audience: string;
  expiration: number;
  regionalSTS: boolean;
  skip: Set<string>;
  /** The credential variables: [names that mark the group as set, the variables to add]. */
  credentialEnv: Array<{ name: string; value: string }>;
  reserved: string[];
  podIdentity: boolean;
}

function parseExpiration(v: string | undefined): number | undefined {
  if (v === undefined || !/^-?\d+$/.test(v.trim())) return undefined;
  return Math.max(parseInt(v, 10), MIN_TOKEN_EXPIRATION);
}

export function eksPodIdentityWebhook(cluster: Cluster, pod: KubeObject): void {
  const region = cluster.options.profile.cloud.region ?? '';
  const ns = pod.metadata.namespace!;
  const sa = cluster.get('', 'serviceaccounts', ns, pod.spec.serviceAccountName ?? 'default');
  if (!sa) return;
  const saAnn = sa.metadata.annotations ?? {};
  const podAnn = pod.metadata.annotations ?? {};
  const saExpiration = parseExpiration(saAnn[IRSA_TOKEN_EXPIRATION_ANNOTATION]) ?? DEFAULT_TOKEN_EXPIRATION;
  const expiration = parseExpiration(podAnn[IRSA_TOKEN_EXPIRATION_ANNOTATION]) ?? saExpiration;
  const regionalSTS = saAnn[IRSA_REGIONAL_STS_ANNOTATION] === 'false' ? false : true;
  const skip = new Set((podAnn[IRSA_SKIP_CONTAINERS_ANNOTATION] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  let config: PatchConfig | undefined;
  const podIdentityRole = saAnn[POD_IDENTITY_ASSOCIATION_ANNOTATION];
  if (podIdentityRole) {
    config = {
      volumeName: POD_IDENTITY_VOLUME,
      mountPath: POD_IDENTITY_MOUNT_PATH,
      tokenPath: POD_IDENTITY_VOLUME,
      audience: POD_IDENTITY_AUDIENCE,
      expiration,
      regionalSTS,
      skip,
      credentialEnv: [
        { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: POD_IDENTITY_URI },
        { name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', value: `${POD_IDENTITY_MOUNT_PATH}/${POD_IDENTITY_VOLUME}` },
      ],
      reserved: ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'],
      podIdentity: true,
    };
  } else if (saAnn[IRSA_ROLE_ANNOTATION]) {
    config = {
      volumeName: IRSA_VOLUME,
      mountPath: IRSA_MOUNT_PATH,
      tokenPath: 'token',
      audience: saAnn[IRSA_AUDIENCE_ANNOTATION] ?? IRSA_DEFAULT_AUDIENCE,
      expiration,
      regionalSTS,
      skip,
      credentialEnv: [
        { name: 'AWS_ROLE_ARN', value: saAnn[IRSA_ROLE_ANNOTATION]! },
        { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: `${IRSA_MOUNT_PATH}/token` },
      ],
      reserved: ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'],
      podIdentity: false,
    };
  }
  if (!config) return;
  const spec = pod.spec;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if (!config.skip.has(c.name)) addEnvToContainer(c, config, region);
  }
  spec.volumes ??= [];
  if (!spec.volumes.some((v: { name: string }) => v.name === config.volumeName)) {
    spec.volumes.unshift({ name: config.volumeName, projected: { sources: [{ serviceAccountToken: { audience: config.audience, expirationSeconds: config.expiration, path: config.tokenPath } }] } });
  }
  if (config.podIdentity) pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_IDENTITY_LABEL]: 'enabled' };
}

function addEnvToContainer(c: any, config: PatchConfig, region: string): void {
  const env: Array<{ name: string; value?: string }> = c.env ?? [];
  const has = (n: string) => env.some((e) => e.name === n);
  const reservedDefined = config.reserved.some(has);
  const regionDefined = has('AWS_REGION') || has('AWS_DEFAULT_REGION');
  const stsDefined = has('AWS_STS_REGIONAL_ENDPOINTS');
  if (reservedDefined && regionDefined && stsDefined) return;
  const next = [...env];
  if (!stsDefined && config.regionalSTS) next.push({ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' });
  if (!regionDefined && region) next.push({ name: 'AWS_DEFAULT_REGION', value: region }, { name: 'AWS_REGION', value: region });
  if (!reservedDefined) next.push(...config.credentialEnv.map((e) => ({ ...e })));
  c.env = next;
  if (!(c.volumeMounts ?? []).some((m: { name: string }) => m.name === config.volumeName)) {
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: config.volumeName, readOnly: true, mountPath: config.mountPath }];
  }
}
