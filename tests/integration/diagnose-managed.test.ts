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
