/**
 * The identity webhooks through real pod admission (the REST API), and the kubelet mounting the
 * tokens they add: IRSA and EKS Pod Identity (eks), Azure Workload Identity (aks), none on GKE,
 * OpenShift's ServiceAccount Secrets.
 */
import { start, type Emulator } from '../../index';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));

async function createSa(k: Emulator, name: string, annotations: Record<string, string> = {}) {
  const r = await k.adminRequest('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, annotations } });
  expect(r.status).toBe(201);
}
async function createPod(k: Emulator, name: string, sa: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string>; containers?: any[] } = {}) {
  return k.adminRequest('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: extra.labels, annotations: extra.annotations },
    spec: { serviceAccountName: sa, containers: extra.containers ?? [{ name: 'app', image: 'amazonlinux' }] },
  });
}
const cat = (k: Emulator, pod: string, file: string, container = 'app') => {
  k.kubelet.sync();
  const r = k.kubelet.exec('default', pod, container, ['cat', file]) as { ok: boolean; stdout: string; status?: unknown };
  expect(r.ok).toBe(true);
  return r.stdout;
};
const env = (k: Emulator, pod: string, container = 'app') => {
  k.kubelet.sync();
  return (k.kubelet.exec('default', pod, container, ['env']) as { stdout: string }).stdout.split('\n');
};

describe('eks: amazon-eks-pod-identity-webhook', () => {
  let k: Emulator;
  beforeAll(async () => {
    k = await start({ profile: 'eks' });
    await createSa(k, 's3-reader', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/s3-reader' });
    await createSa(k, 'plain');
    await createSa(k, 'pod-identity', { 'emulator.satoken.dev/eks-pod-identity-role-arn': 'arn:aws:iam::111122223333:role/pi', 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/ignored' });
  });
  afterAll(() => k.stop());

  test('IRSA: the aws-iam-token volume first, the mount and env in every container, and the kubelet mounts an sts.amazonaws.com token for 86400 s', async () => {
    const r = await createPod(k, 'irsa', 's3-reader', { containers: [{ name: 'app', image: 'amazonlinux' }, { name: 'side', image: 'busybox', env: [{ name: 'AWS_REGION', value: 'eu-west-1' }] }] });
    expect(r.status).toBe(201);
    const spec = r.body.spec;
    expect(spec.volumes[0]).toEqual({ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }], defaultMode: 420 } });
    expect(spec.volumes[1].name).toMatch(/^kube-api-access-/);
    expect(spec.containers[0].env).toEqual([
      { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
      { name: 'AWS_DEFAULT_REGION', value: 'us-west-2' },
      { name: 'AWS_REGION', value: 'us-west-2' },
      { name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::111122223333:role/s3-reader' },
      { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
    ]);
    // A container that sets a region keeps it (no AWS_DEFAULT_REGION added).
    expect(spec.containers[1].env.map((e: any) => e.name)).toEqual(['AWS_REGION', 'AWS_STS_REGIONAL_ENDPOINTS', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE']);
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'aws-iam-token', readOnly: true, mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' });
    const token = cat(k, 'irsa', '/var/run/secrets/eks.amazonaws.com/serviceaccount/token');
    const c = claims(token);
    expect(c.aud).toEqual(['sts.amazonaws.com']);
    expect(c.exp - c.iat).toBe(86400);
    expect(c.iss).toBe(k.profile.issuers[0]);
    expect(c.sub).toBe('system:serviceaccount:default:s3-reader');
    // The API token beside it keeps the API audience.
    expect(claims(cat(k, 'irsa', '/var/run/secrets/kubernetes.io/serviceaccount/token')).aud).toEqual(['https://kubernetes.default.svc']);
    expect(env(k, 'irsa')).toContain('AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token');
  });

  test('IRSA: no role annotation, no mutation; skip-containers and token-expiration (floored at 600, as pkg/constants.go MinTokenExpiration) are honoured', async () => {
    const plain = await createPod(k, 'plain', 'plain');
    expect(plain.body.spec.volumes.map((v: any) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-/)]);
    expect(plain.body.spec.containers[0].env).toBeUndefined();
    const r = await createPod(k, 'skipping', 's3-reader', {
      annotations: { 'eks.amazonaws.com/skip-containers': 'side', 'eks.amazonaws.com/token-expiration': '300' },
      containers: [{ name: 'app', image: 'amazonlinux' }, { name: 'side', image: 'busybox' }],
    });
    expect(r.body.spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds).toBe(600);
    expect(r.body.spec.containers[1].env).toBeUndefined();
    expect(r.body.spec.containers[1].volumeMounts.map((m: any) => m.name)).not.toContain('aws-iam-token');
  });

  test('EKS Pod Identity wins over IRSA: eks-pod-identity-token for pods.eks.amazonaws.com, the container-credentials env, the pod label', async () => {
    const r = await createPod(k, 'pi', 'pod-identity');
    expect(r.status).toBe(201);
    expect(r.body.metadata.labels).toEqual({ 'eks.amazonaws.com/pod-identity': 'enabled' });
    expect(r.body.spec.volumes[0]).toMatchObject({ name: 'eks-pod-identity-token', projected: { sources: [{ serviceAccountToken: { audience: 'pods.eks.amazonaws.com', expirationSeconds: 86400, path: 'eks-pod-identity-token' } }] } });
    expect(r.body.spec.volumes.map((v: any) => v.name)).not.toContain('aws-iam-token');
    expect(r.body.spec.containers[0].env).toEqual([
      { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
      { name: 'AWS_DEFAULT_REGION', value: 'us-west-2' },
      { name: 'AWS_REGION', value: 'us-west-2' },
      { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://169.254.170.23/v1/credentials' },
      { name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', value: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token' },
    ]);
    expect(claims(cat(k, 'pi', '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token')).aud).toEqual(['pods.eks.amazonaws.com']);
  });
});

describe('aks: azure-workload-identity', () => {
  let k: Emulator;
  const use = { 'azure.workload.identity/use': 'true' };
  beforeAll(async () => {
    k = await start({ profile: 'aks' });
    await createSa(k, 'wi', { 'azure.workload.identity/client-id': '11111111-2222-3333-4444-555555555555' });
    await createSa(k, 'no-client-id');
    await createSa(k, 'short', { 'azure.workload.identity/client-id': 'x', 'azure.workload.identity/service-account-token-expiration': '100' });
  });
  afterAll(() => k.stop());

  test('a labelled pod: azure-identity-token volume (api://AzureADTokenExchange, 3600 s), the AZURE_* env, and the kubelet mounts the token', async () => {
    const r = await createPod(k, 'wi', 'wi', { labels: use });
    expect(r.status).toBe(201);
    expect(r.body.spec.volumes.at(-1)).toEqual({ name: 'azure-identity-token', projected: { sources: [{ serviceAccountToken: { path: 'azure-identity-token', expirationSeconds: 3600, audience: 'api://AzureADTokenExchange' } }], defaultMode: 420 } });
    expect(r.body.spec.containers[0].env).toEqual([
      { name: 'AZURE_CLIENT_ID', value: '11111111-2222-3333-4444-555555555555' },
      { name: 'AZURE_TENANT_ID', value: k.profile.cloud.tenant },
      { name: 'AZURE_FEDERATED_TOKEN_FILE', value: '/var/run/secrets/azure/tokens/azure-identity-token' },
      { name: 'AZURE_AUTHORITY_HOST', value: 'https://login.microsoftonline.com/' },
    ]);
    const c = claims(cat(k, 'wi', '/var/run/secrets/azure/tokens/azure-identity-token'));
    expect(c.aud).toEqual(['api://AzureADTokenExchange']);
    expect(c.exp - c.iat).toBe(3600);
  });

  test('without the pod label nothing is added; without client-id there is no AZURE_CLIENT_ID; a bad expiration refuses the pod', async () => {
    const unlabelled = await createPod(k, 'unlabelled', 'wi');
    expect(unlabelled.body.spec.containers[0].env).toBeUndefined();
    const noId = await createPod(k, 'noid', 'no-client-id', { labels: use });
    expect(noId.body.spec.containers[0].env.map((e: any) => e.name)).toEqual(['AZURE_TENANT_ID', 'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_AUTHORITY_HOST']);
    const bad = await createPod(k, 'bad', 'short', { labels: use });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('admission webhook "mutation.azure-workload-identity.io" denied the request: token expiration 100 not valid. Expected value to be between 3600 and 86400');
  });
});

test('gke: Workload Identity adds nothing to pods (the metadata server answers); the default pool runs it, the legacy pool does not', async () => {
  const k = await start({ profile: 'gke' });
  try {
    await createSa(k, 'gsa', { 'iam.gke.io/gcp-service-account': 'app@satoken-demo-project.iam.gserviceaccount.com' });
    const r = await createPod(k, 'wi', 'gsa');
    expect(r.body.spec.volumes.map((v: any) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-/)]);
    const nodes = (await k.adminRequest('GET', '/api/v1/nodes')).body.items;
    for (const n of nodes) {
      const pool = n.metadata.labels['cloud.google.com/gke-nodepool'];
      expect(['default-pool', 'legacy-pool']).toContain(pool);
      expect(n.metadata.labels['iam.gke.io/gke-metadata-server-enabled']).toBe(pool === 'default-pool' ? 'true' : undefined);
    }
  } finally {
    await k.stop();
  }
});

describe.each([
  ['4.15', true],
  ['4.16', false],
])('openshift %s: ServiceAccount Secrets', (version, legacy) => {
  let k: Emulator;
  beforeAll(async () => {
    k = await start({ profile: 'openshift', providerVersion: version });
    await createSa(k, 'builder-x');
  });
  afterAll(() => k.stop());

  test(`a dockercfg pull Secret${legacy ? ' and a legacy token Secret' : ' only'}, listed on the ServiceAccount, the token in the dockercfg authenticates`, async () => {
    const sa = (await k.adminRequest('GET', '/api/v1/namespaces/default/serviceaccounts/builder-x')).body;
    const names = sa.secrets.map((s: any) => s.name);
    expect(names).toEqual(legacy ? [expect.stringMatching(/^builder-x-token-[a-z0-9]{5}$/), expect.stringMatching(/^builder-x-dockercfg-[a-z0-9]{5}$/)] : [expect.stringMatching(/^builder-x-dockercfg-[a-z0-9]{5}$/)]);
    expect(sa.imagePullSecrets).toEqual([{ name: names.at(-1) }]);
    const dockercfg = (await k.adminRequest('GET', `/api/v1/namespaces/default/secrets/${names.at(-1)}`)).body;
    expect(dockercfg.type).toBe('kubernetes.io/dockercfg');
    const cfg = JSON.parse(Buffer.from(dockercfg.data['.dockercfg'], 'base64').toString());
    const entry = cfg['image-registry.openshift-image-registry.svc:5000'];
    expect(entry).toMatchObject({ username: 'serviceaccount', email: 'serviceaccount@example.org' });
    const c = claims(entry.password);
    expect(c.iss).toBe(legacy ? 'kubernetes/serviceaccount' : 'https://kubernetes.default.svc');
    const who = await k.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token: entry.password, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(who.body.status.userInfo.username).toBe('system:serviceaccount:default:builder-x');
    // Pods of the ServiceAccount get the pull Secret (the ServiceAccount admission plugin).
    const pod = await createPod(k, 'p', 'builder-x');
    expect(pod.body.spec.imagePullSecrets).toEqual([{ name: names.at(-1) }]);
    // Bootstrap's ServiceAccounts got theirs too.
    const def = (await k.adminRequest('GET', '/api/v1/namespaces/kube-system/serviceaccounts/default')).body;
    expect(def.imagePullSecrets).toHaveLength(1);
  });
});
