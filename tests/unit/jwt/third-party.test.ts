import { inspectToken, thirdPartyByAudience, thirdPartyByEnv, thirdPartyByVolume } from '../../../src/jwt';
import { makeBoundToken, TEST_NOW } from '../../support/tokens';

const sa = { name: 'app', uid: 'u' };

describe('third-party tokens', () => {
  test.each([
    ['sts.amazonaws.com', 'eks-irsa'],
    ['pods.eks.amazonaws.com', 'eks-pod-identity'],
    ['api://AzureADTokenExchange', 'azure-workload-identity'],
    ['vault', 'vault'],
    ['istio-ca', 'istio'],
    ['identity.l5d.io', 'linkerd'],
  ])('aud %s is %s', (aud, id) => {
    expect(thirdPartyByAudience([aud])?.id).toBe(id);
  });

  test('volumes and env variables of the injectors', () => {
    expect(thirdPartyByVolume('aws-iam-token')?.id).toBe('eks-irsa');
    expect(thirdPartyByVolume('azure-workload-identity-reserved-3f2a')?.id).toBe('azure-workload-identity');
    expect(thirdPartyByVolume('kube-api-access-abcde')).toBeUndefined();
    expect(thirdPartyByEnv('AWS_WEB_IDENTITY_TOKEN_FILE')?.id).toBe('eks-irsa');
    expect(thirdPartyByEnv('AZURE_FEDERATED_TOKEN_FILE')?.id).toBe('azure-workload-identity');
  });

  test('decode names an IRSA token, says it is not for the API server, and stays exit-0 (info)', async () => {
    const raw = makeBoundToken({ serviceAccount: sa, audiences: ['sts.amazonaws.com'] });
    const r = await inspectToken(raw, { now: TEST_NOW, source: 'test' });
    expect(r.thirdParty).toMatchObject({ id: 'eks-irsa', name: 'EKS IRSA (IAM roles for service accounts)' });
    const f = r.findings.find((x) => x.id === 'third-party-token');
    expect(f?.severity).toBe('info');
    expect(f?.message).toContain('not meant for the API server');
    expect(r.findings.some((x) => x.severity === 'error')).toBe(false);
  });

  test('an API token is not named', async () => {
    const r = await inspectToken(makeBoundToken({ serviceAccount: sa }), { now: TEST_NOW, source: 'test' });
    expect(r.thirdParty).toBeUndefined();
    expect(r.findings.map((x) => x.id)).not.toContain('third-party-token');
  });
});
