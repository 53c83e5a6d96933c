import { got, missing } from '../../../src/checks/context';
import { audience, targetAudiencesFromError } from '../../../src/checks/audience';
import { issuer } from '../../../src/checks/issuer';
import { makeBoundToken, makeLegacyToken, TEST_ISSUER } from '../../support/tokens';
import { fakeSource, forbidden, makeCtx, makePod, mountedFiles, SA_UID } from './fakes';

const sa = { name: 'app', uid: SA_UID };
const withToken = (raw: string, extra = {}) => fakeSource({ mountedToken: got(mountedFiles(raw)), ...extra });

describe('issuer', () => {
  test('passes when the static pod lists the token issuer', async () => {
    expect((await issuer.run(makeCtx())).status).toBe('pass');
  });

  test('fails a token of an issuer no longer accepted', async () => {
    const raw = makeBoundToken({ serviceAccount: sa, issuer: 'https://old.example' });
    const r = await issuer.run(makeCtx({ data: withToken(raw) }));
    expect(r.status).toBe('fail');
    expect(r.message).toContain('https://old.example');
    expect(r.fix).toEqual(['kubectl delete pod web-7d4b9c-x2x9q -n default']);
  });

  test('with only the discovery issuer: another issuer that authenticates is accepted', async () => {
    const raw = makeBoundToken({ serviceAccount: sa, issuer: 'https://second.example' });
    const data = withToken(raw, { apiServer: got({ discoveryIssuer: TEST_ISSUER, sources: ['discovery'] }) });
    const r = await issuer.run(makeCtx({ data }));
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/additional --service-account-issuer/);
  });

  test('with only the discovery issuer and no review: warn', async () => {
    const raw = makeBoundToken({ serviceAccount: sa, issuer: 'https://second.example' });
    const data = withToken(raw, { apiServer: got({ discoveryIssuer: TEST_ISSUER, sources: [] }), authentication: forbidden('create tokenreviews') });
    expect((await issuer.run(makeCtx({ data }))).status).toBe('warn');
  });

  test('skips when nothing tells the issuer', async () => {
    const data = fakeSource({ apiServer: forbidden('get /.well-known/openid-configuration'), authentication: forbidden('create tokenreviews') });
    const r = await issuer.run(makeCtx({ data }));
    expect(r.status).toBe('skip');
    expect(r.message).toMatch(/not permitted: get \/\.well-known\/openid-configuration/);
  });
});

describe('audience', () => {
  const vaultPod = () =>
    makePod((p) => {
      p.spec!.automountServiceAccountToken = false;
      p.spec!.volumes = [{ name: 'token', projected: { sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } }] } }];
      p.spec!.containers[0].volumeMounts = [{ name: 'token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }];
    });

  test('parses the target audiences from a TokenReview error', () => {
    expect(targetAudiencesFromError('[invalid bearer token, token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc" "api"]]')).toEqual([
      'https://kubernetes.default.svc',
      'api',
    ]);
    expect(targetAudiencesFromError('service account token has expired')).toBeUndefined();
  });

  test('passes the default token', async () => {
    expect((await audience.run(makeCtx())).status).toBe('pass');
  });

  test('fails a custom projected token for another audience, fixing the Deployment template', async () => {
    const raw = makeBoundToken({ serviceAccount: sa, audiences: ['vault'] });
    const error = 'token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]';
    const data = withToken(raw, {
      apiServer: forbidden('list pods in kube-system'),
      authentication: got({ via: 'tokenreview', authenticated: false, error }),
    });
    const r = await audience.run(makeCtx({ pod: vaultPod(), data }));
    expect(r.status).toBe('fail');
    expect(r.evidence).toContain(`API audiences: ["${TEST_ISSUER}"] (TokenReview status.error)`);
    expect(r.evidence).toContain('projected volume token: audience vault, 3600s, at app:/var/run/secrets/kubernetes.io/serviceaccount/token');
    expect(r.fix).toEqual([
      `kubectl patch deployment web -n default --type json -p '[{"op":"test","path":"/spec/template/spec/volumes/0/name","value":"token"},{"op":"remove","path":"/spec/template/spec/volumes/0/projected/sources/0/serviceAccountToken/audience"}]'`,
    ]);
  });

  test('a legacy token has no audience and passes', async () => {
    const r = await audience.run(makeCtx({ data: withToken(makeLegacyToken({ serviceAccount: sa })) }));
    expect(r.status).toBe('pass');
  });

  test('skips when the API audiences cannot be learned', async () => {
    const data = fakeSource({ apiServer: missing({ kind: 'error', message: 'timeout' }), authentication: forbidden('create tokenreviews') });
    expect((await audience.run(makeCtx({ data }))).status).toBe('skip');
  });
});

describe('audience and issuer without a visible kube-apiserver pod (managed clusters)', () => {
  const EKS_ISSUER = 'https://oidc.eks.us-west-2.amazonaws.com/id/A1B2C3D4E5F60718293A4B5C6D7E8F90';
  const EKS_AUD = 'https://kubernetes.default.svc';
  const eksToken = () => makeBoundToken({ serviceAccount: sa, issuer: EKS_ISSUER, audiences: [EKS_AUD] });
  const hidden = ['kube-apiserver flags: no kube-apiserver pod is visible (a managed or in-process control plane)', '/.well-known/openid-configuration: forbidden to you'];

  test('audiences learned from a TokenRequest: pass, naming the source', async () => {
    const data = withToken(eksToken(), {
      apiServer: got({ apiAudiences: [EKS_AUD], signingIssuer: EKS_ISSUER, controlPlaneHidden: true, unavailable: hidden, sources: ['TokenRequest for default/default without audiences: spec.audiences', 'TokenRequest for default/default: the token\'s iss'] }),
      authentication: forbidden('create tokenreviews'),
    });
    const r = await audience.run(makeCtx({ data }));
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain(`API audiences: ["${EKS_AUD}"] (TokenRequest for default/default without audiences: spec.audiences)`);
    expect(r.evidence).toContain(`not readable: ${hidden[0]}`);
    const i = await issuer.run(makeCtx({ data }));
    expect(i.status).toBe('pass');
    expect(i.message).toContain('the iss of a token it issued now');
  });

  test('only the issuer known: a token whose audience differs is not failed on the guess', async () => {
    const data = withToken(eksToken(), {
      apiServer: got({ signingIssuer: EKS_ISSUER, controlPlaneHidden: true, unavailable: [...hidden, 'TokenRequest: not permitted: create serviceaccounts/token in default (Forbidden)'], sources: [] }),
      authentication: forbidden('create tokenreviews'),
    });
    const r = await audience.run(makeCtx({ data }));
    expect(r.status).toBe('skip');
    expect(r.message).toContain('no kube-apiserver pod is visible');
    expect(r.message).toContain('forbidden to you');
    expect(r.message).toContain('TokenReview: not permitted: create tokenreviews');
    expect(r.evidence.join('\n')).toContain('which managed clusters often change');
  });

  test('a token for sts.amazonaws.com at the API path fails against the learned audience', async () => {
    const raw = makeBoundToken({ serviceAccount: sa, issuer: EKS_ISSUER, audiences: ['sts.amazonaws.com'] });
    const data = withToken(raw, { apiServer: got({ apiAudiences: [EKS_AUD], sources: ['TokenRequest for default/default without audiences: spec.audiences'] }), authentication: forbidden('create tokenreviews') });
    const r = await audience.run(makeCtx({ data }));
    expect(r.status).toBe('fail');
    expect(r.message).toContain('["sts.amazonaws.com"]');
  });
});

test('an IRSA token mounted at the API token path: named, and moved to its own directory', async () => {
  const pod = makePod((p) => {
    p.spec!.volumes = [{ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } }];
    p.spec!.containers[0].volumeMounts = [{ name: 'aws-iam-token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }];
  });
  const raw = makeBoundToken({ serviceAccount: sa, audiences: ['sts.amazonaws.com'] });
  const error = `token audiences ["sts.amazonaws.com"] is invalid for the target audiences ["${TEST_ISSUER}"]`;
  const data = withToken(raw, { apiServer: forbidden('list pods in kube-system'), authentication: got({ via: 'tokenreview', authenticated: false, error }) });
  const r = await audience.run(makeCtx({ pod, data }));
  expect(r.status).toBe('fail');
  expect(r.message).toContain('the app reads as its Kubernetes token the EKS IRSA (IAM roles for service accounts) token');
  expect(r.fix).toEqual([
    `kubectl patch deployment web -n default --type json -p '[{"op":"test","path":"/spec/template/spec/containers/0/volumeMounts/0/name","value":"aws-iam-token"},{"op":"replace","path":"/spec/template/spec/containers/0/volumeMounts/0/mountPath","value":"/var/run/secrets/eks.amazonaws.com/serviceaccount"}]'`,
  ]);
});
