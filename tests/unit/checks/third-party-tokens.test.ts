import type { V1Pod } from '@kubernetes/client-node';
import { got } from '../../../src/checks/context';
import { thirdPartyTokens } from '../../../src/checks/third-party-tokens';
import { makeBoundToken } from '../../support/tokens';
import { fakeSource, makeCtx, makePod, makeServiceAccount, NOW, SA_UID } from './fakes';

const IRSA_DIR = '/var/run/secrets/eks.amazonaws.com/serviceaccount';
const IRSA_FILE = `${IRSA_DIR}/token`;
const ago = (min: number) => new Date(NOW.getTime() - min * 60_000);

/** The pod as the EKS pod identity webhook leaves it (pkg/handler/handler.go): volume aws-iam-token, env, mount. */
function irsaPod(patch: (p: V1Pod) => void = () => {}): V1Pod {
  return makePod((p) => {
    p.spec!.volumes!.unshift({ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } });
    const c = p.spec!.containers[0];
    c.env = [{ name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::111122223333:role/app' }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: IRSA_FILE }];
    c.volumeMounts!.push({ name: 'aws-iam-token', mountPath: IRSA_DIR, readOnly: true });
    patch(p);
  });
}
const irsaSA = () => got(makeServiceAccount({ metadata: { name: 'app', namespace: 'default', uid: SA_UID, annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' } } }));
const irsaToken = (issuedMinAgo: number, lifetime = 86400) =>
  makeBoundToken({ serviceAccount: { name: 'app', uid: SA_UID }, audiences: ['sts.amazonaws.com'], issuedAt: ago(issuedMinAgo), expirationSeconds: lifetime });
const file = (raw: string, writtenMinAgo: number) => ({ [IRSA_FILE]: { path: IRSA_FILE, stat: { size: raw.length, atime: ago(writtenMinAgo), mtime: ago(writtenMinAgo) }, raw } });

test('no third-party token: pass', async () => {
  const r = await thirdPartyTokens.run(makeCtx());
  expect(r.status).toBe('pass');
});

test('a healthy IRSA pod passes, naming the token and its purpose', async () => {
  const data = fakeSource({ serviceAccount: irsaSA(), tokenFiles: file(irsaToken(60), 60) });
  const r = await thirdPartyTokens.run(makeCtx({ pod: irsaPod(), data }));
  expect(r.status).toBe('pass');
  expect(r.message).toContain('EKS IRSA');
  expect(r.evidence.join('\n')).toContain('AWS STS AssumeRoleWithWebIdentity');
  expect(r.evidence).toContain(`env AWS_WEB_IDENTITY_TOKEN_FILE=${IRSA_FILE} (volume aws-iam-token)`);
});

test('AWS_WEB_IDENTITY_TOKEN_FILE pointing at the kube-api-access token: wrong audience for STS', async () => {
  const pod = irsaPod((p) => {
    p.spec!.containers[0].env![1].value = '/var/run/secrets/kubernetes.io/serviceaccount/token';
  });
  const r = await thirdPartyTokens.run(makeCtx({ pod, data: fakeSource({ serviceAccount: irsaSA(), tokenFiles: file(irsaToken(60), 60) }) }));
  expect(r.status).toBe('fail');
  expect(r.message).toContain('wrong audience');
  expect(r.fix).toEqual([`kubectl set env deployment/web -n default -c app AWS_WEB_IDENTITY_TOKEN_FILE=${IRSA_FILE}`]);
});

test('the app expects an IRSA token, but the ServiceAccount lacks eks.amazonaws.com/role-arn: annotate, then restart', async () => {
  const pod = makePod((p) => {
    p.spec!.containers[0].env = [{ name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: IRSA_FILE }];
  });
  const r = await thirdPartyTokens.run(makeCtx({ pod }));
  expect(r.status).toBe('fail');
  expect(r.message).toContain('webhook did not inject one');
  expect(r.fix).toEqual(['kubectl annotate serviceaccount app -n default eks.amazonaws.com/role-arn=arn:aws:iam::<ACCOUNT_ID>:role/<ROLE_NAME>', 'kubectl delete pod web-7d4b9c-x2x9q -n default']);
});

test('an IRSA token past its expiry, not rotated: fail, restart the pod', async () => {
  const raw = irsaToken(25 * 60, 86400);
  const r = await thirdPartyTokens.run(makeCtx({ pod: irsaPod(), data: fakeSource({ serviceAccount: irsaSA(), tokenFiles: file(raw, 25 * 60) }) }));
  expect(r.status).toBe('fail');
  expect(r.message).toMatch(/expired 60m ago and was not rotated/);
  expect(r.fix).toEqual(['kubectl delete pod web-7d4b9c-x2x9q -n default']);
});

test('Azure: the ServiceAccount has a client-id but the pod lacks azure.workload.identity/use', async () => {
  const sa = got(makeServiceAccount({ metadata: { name: 'app', namespace: 'default', uid: SA_UID, annotations: { 'azure.workload.identity/client-id': '00000000-1111-2222-3333-444444444444' } } }));
  const r = await thirdPartyTokens.run(makeCtx({ data: fakeSource({ serviceAccount: sa }) }));
  expect(r.status).toBe('fail');
  expect(r.message).toContain('azure.workload.identity/use=true');
  expect(r.fix).toEqual([`kubectl patch deployment web -n default -p '{"spec":{"template":{"metadata":{"labels":{"azure.workload.identity/use":"true"}}}}}'`]);
});
