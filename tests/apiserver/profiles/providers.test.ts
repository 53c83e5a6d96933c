/** The provider credentials are judged as the provider would: forged, stale or foreign ones are refused. */
import { execFileSync } from 'node:child_process';
import { start, type Emulator } from '../index';

const run = (k: Emulator, cmd: string, args: string[], env: Record<string, string> = {}) =>
  JSON.parse(execFileSync(cmd, args, { env: { ...process.env, ...k.execEnv, ...env }, encoding: 'utf8' })).status;
const whoami = (k: Emulator, token: string) => k.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });

describe('eks', () => {
  let k: Emulator;
  beforeAll(async () => {
    k = await start({ profile: 'eks' });
  });
  afterAll(() => k.stop());
  const getToken = (env: Record<string, string> = {}, cluster = 'satoken-demo') => run(k, 'aws', ['--region', 'us-west-2', 'eks', 'get-token', '--cluster-name', cluster, '--output', 'json'], env);

  test('aws eks get-token: a presigned STS URL, expiring 14 minutes on, mapped with the authenticator extras', async () => {
    const before = Date.now();
    const s = getToken();
    expect(s.token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(s.token.slice('k8s-aws-v1.'.length), 'base64url').toString());
    expect(url.host).toBe('sts.us-west-2.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    const exp = new Date(s.expirationTimestamp).getTime();
    expect(exp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 14 * 60_000 - 1000);
    const r = await whoami(k, s.token);
    expect(r.status).toBe(201);
    expect(r.body.status.userInfo).toMatchObject({
      username: 'satoken-admin',
      uid: 'aws-iam-authenticator:111122223333:AIDAEXAMPLEADMIN0001',
      groups: ['system:masters', 'system:authenticated'],
      extra: { arn: ['arn:aws:iam::111122223333:user/satoken-admin'], accessKeyId: [k.execEnv.AWS_ACCESS_KEY_ID] },
    });
  });

  test('a wrong secret, another cluster, a tampered URL or an unknown key are refused', async () => {
    for (const token of [
      getToken({ AWS_SECRET_ACCESS_KEY: 'wrong' }).token,
      getToken({}, 'another-cluster').token,
      getToken({ AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN000000000' }).token,
      'k8s-aws-v1.' + Buffer.from('https://evil.example.com/?Action=GetCallerIdentity').toString('base64url'),
    ]) expect((await whoami(k, token)).status).toBe(401);
  });

  test('the stand-in fails like the AWS CLI without credentials', () => {
    expect(() => execFileSync('aws', ['--region', 'us-west-2', 'eks', 'get-token', '--cluster-name', 'x'], { env: { PATH: k.execEnv.PATH! }, stdio: 'pipe' })).toThrow(/Unable to locate credentials/);
  });

  test('TokenReview authenticates the IAM token for the API audiences only, and refuses a forged one', async () => {
    const token = getToken().token;
    const review = (spec: Record<string, unknown>) => k.adminRequest('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec });
    const ok = await review({ token });
    expect(ok.status).toBe(201);
    expect(ok.body.status).toMatchObject({ authenticated: true, user: { username: 'satoken-admin' }, audiences: ['https://kubernetes.default.svc'] });
    expect((await review({ token, audiences: ['sts.amazonaws.com'] })).body.status).toEqual({ user: {}, error: 'invalid bearer token' });
    const forged = (await review({ token: getToken({ AWS_SECRET_ACCESS_KEY: 'wrong' }).token })).body.status;
    expect(forged.authenticated).toBeUndefined();
    expect(forged.error).toContain('SignatureDoesNotMatch');
  });

  test('kube-system/aws-auth maps the IAM users', async () => {
    const cm = await k.adminRequest('GET', '/api/v1/namespaces/kube-system/configmaps/aws-auth');
    expect(cm.body.data.mapUsers).toContain('userarn: arn:aws:iam::111122223333:user/satoken-admin\n  username: satoken-admin\n  groups:\n  - system:masters');
  });
});

describe.each([
  ['gke', 'gke-gcloud-auth-plugin', [] as string[], /^ya29\./],
  ['aks', 'kubelogin', ['get-token', '--login', 'azurecli', '--server-id', '6dae42f8-4368-4678-94ff-3960e28e3630'], /^eyJ/],
] as const)('%s', (profile, cmd, args, shape) => {
  let k: Emulator;
  beforeAll(async () => {
    k = await start({ profile });
  });
  afterAll(() => k.stop());

  test('the stand-in plugin prints an ExecCredential in the version kubectl asks for, the emulator accepts it, a tampered one is refused', async () => {
    const s = run(k, cmd, [...args], { KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } }) });
    expect(s.token).toMatch(shape);
    const out = JSON.parse(execFileSync(cmd, [...args], { env: { ...process.env, ...k.execEnv, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1' }) }, encoding: 'utf8' }));
    expect(out.apiVersion).toBe('client.authentication.k8s.io/v1');
    expect((await whoami(k, s.token)).body.status.userInfo.username).toBe(k.profile.kubeconfig.identities.admin.username);
    const tampered = s.token.slice(0, -4) + (s.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await whoami(k, tampered)).status).toBe(401);
  });
});
