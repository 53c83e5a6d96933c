/**
 * diagnose on a managed-looking cluster (issue 14): the eks profile's issuer and API audience
 * (https://kubernetes.default.svc, not the issuer), with no kube-apiserver pod visible. The
 * audience and issuer checks must learn the API server's settings from what it answers
 * (TokenRequest without audiences), say so, and not fail a healthy pod on a guess.
 */
import { start, type Emulator } from '../apiserver';
import { diagnoseJson, podIn } from './diagnose-support';

let k: Emulator;
beforeAll(async () => {
  k = await start({ profile: 'eks', scenarios: 'healthy' });
  // Until the eks profile hides its control plane itself: a managed cluster shows no kube-apiserver pod.
  for (const p of k.store.list(k.cluster.type('', 'pods'), 'kube-system').items) {
    if (p.metadata.labels?.component === 'kube-apiserver') {
      const r = await k.adminRequest('DELETE', `/api/v1/namespaces/kube-system/pods/${p.metadata.name}`);
      expect(r.status).toBe(200);
    }
  }
});
afterAll(async () => {
  await k.stop();
});

const check = (d: any, id: string) => d.checks.find((c: any) => c.id === id);

test('a healthy pod is not failing; audience and issuer name the TokenRequest as their source', async () => {
  const pod = podIn(k, 'demo-healthy');
  const { code, result } = await diagnoseJson(k, [pod, '-n', 'demo-healthy'], k.execEnv);
  // The healthy scenario's only warning is RBAC (its ServiceAccount may not list pods).
  expect(result.status).not.toBe('failing');
  expect(result.rootCause?.check ?? 'rbac').toBe('rbac');
  expect(code).toBe(0);
  const audience = check(result, 'audience');
  expect(audience.status).toBe('pass');
  expect(audience.evidence).toContain('API audiences: ["https://kubernetes.default.svc"] (TokenRequest for demo-healthy/default without audiences: spec.audiences)');
  expect(audience.evidence).toContain('not readable: kube-apiserver flags: no kube-apiserver pod is visible (a managed or in-process control plane)');
  const issuer = check(result, 'issuer');
  expect(issuer.status).toBe('pass');
  expect(issuer.evidence.join('\n')).toMatch(/signing issuer \(iss of a token the API server issued now\): https:\/\/oidc\.eks\.us-west-2\.amazonaws\.com\/id\//);
  // The probe asked for no audiences and the shortest lifetime; its token is never printed.
  const probes = k.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/v1/namespaces/demo-healthy/serviceaccounts/default/token'));
  expect(probes.length).toBe(1);
  expect(JSON.stringify(result)).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\./);
});

test('the mounted token carries the API audience the TokenRequest showed', async () => {
  const pod = podIn(k, 'demo-healthy');
  const { result } = await diagnoseJson(k, [pod, '-n', 'demo-healthy'], k.execEnv);
  // The mounted token carries the API audience the TokenRequest showed: the two sources agree.
  expect(check(result, 'token-claims').evidence).toContain('aud: ["https://kubernetes.default.svc"]');
});

describe('IRSA, injected by the eks profile\'s pod identity webhook', () => {
  const ns = 'irsa';
  const create = async (path: string, body: unknown) => {
    const r = await k.adminRequest('POST', path, body);
    expect([200, 201]).toContain(r.status);
    return r.body as any;
  };
  const pod = (name: string, sa: string, env: Array<{ name: string; value: string }> = []) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: { serviceAccountName: sa, containers: [{ name: 'app', image: 'debian', env }] },
  });
  beforeAll(async () => {
    await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await create(`/api/v1/namespaces/${ns}/serviceaccounts`, {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's3-reader', namespace: ns, annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/s3-reader' } },
    });
    await create(`/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'plain', namespace: ns } });
    await create(`/api/v1/namespaces/${ns}/pods`, pod('healthy', 's3-reader'));
    await create(`/api/v1/namespaces/${ns}/pods`, pod('no-role', 'plain', [{ name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' }]));
  });

  test('a pod with its injected IRSA token is not flagged; the token is named', async () => {
    const { result } = await diagnoseJson(k, ['healthy', '-n', ns], k.execEnv);
    expect(result.status).not.toBe('failing');
    const c = check(result, 'third-party-tokens');
    expect(c.status).toBe('pass');
    expect(c.message).toContain('EKS IRSA');
    expect(c.evidence.join('\n')).toMatch(/\/var\/run\/secrets\/eks\.amazonaws\.com\/serviceaccount\/token: issued .* expires /);
  });

  test('the app expects an IRSA token but its ServiceAccount has no role-arn: the annotation is the fix', async () => {
    const { code, result } = await diagnoseJson(k, ['no-role', '-n', ns], k.execEnv);
    expect(code).toBe(3);
    expect(result.rootCause.check).toBe('third-party-tokens');
    // No AWS_ROLE_ARN names the role: a placeholder, bare, so the shell refuses the line until it is filled in.
    expect(result.fix[0]).toBe('kubectl annotate serviceaccount plain -n irsa eks.amazonaws.com/role-arn=arn:aws:iam::<ACCOUNT_ID>:role/<ROLE_NAME>');
    expect(result.fix.join('\n')).not.toMatch(/kube-apiserver|--service-account/);
  });
});
