import type { V1Pod } from '@kubernetes/client-node';
import { got } from '../../../src/checks/context';
import { thirdPartyTokens } from '../../../src/checks/third-party-tokens';
import { makeBoundToken } from '../../support/tokens';
import { fakeSource, makeCtx, makeNode, makePod, makeServiceAccount, NOW, SA_UID } from './fakes';

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
  // No AWS_ROLE_ARN to name the role: a placeholder, left bare so that the shell refuses the line
  // (`<…>` reads as a redirection) until the operator fills it in, rather than annotating a bogus role.
  expect(r.fix).toEqual(['kubectl annotate serviceaccount app -n default eks.amazonaws.com/role-arn=arn:aws:iam::<ACCOUNT_ID>:role/<ROLE_NAME>', 'kubectl delete pod web-7d4b9c-x2x9q -n default']);
});

test('the role the app names in AWS_ROLE_ARN completes the annotation fix: it runs as printed', async () => {
  const pod = makePod((p) => {
    p.spec!.containers[0].env = [{ name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::111122223333:role/app' }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: IRSA_FILE }];
  });
  const r = await thirdPartyTokens.run(makeCtx({ pod }));
  expect(r.fix[0]).toBe('kubectl annotate serviceaccount app -n default eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/app');
});

test('Azure: the client id the app names in AZURE_CLIENT_ID fills the annotation; without it a placeholder to fill in', async () => {
  const withEnv = makePod((p) => {
    p.spec!.containers[0].env = [{ name: 'AZURE_CLIENT_ID', value: '00000000-1111-2222-3333-444444444444' }, { name: 'AZURE_FEDERATED_TOKEN_FILE', value: '/var/run/secrets/azure/tokens/azure-identity-token' }];
  });
  const r = await thirdPartyTokens.run(makeCtx({ pod: withEnv }));
  expect(r.status).toBe('fail');
  expect(r.fix[0]).toBe('kubectl annotate serviceaccount app -n default azure.workload.identity/client-id=00000000-1111-2222-3333-444444444444 --overwrite');
  const without = makePod((p) => {
    p.spec!.containers[0].env = [{ name: 'AZURE_FEDERATED_TOKEN_FILE', value: '/var/run/secrets/azure/tokens/azure-identity-token' }];
  });
  const q = await thirdPartyTokens.run(makeCtx({ pod: without }));
  expect(q.fix[0]).toBe('kubectl annotate serviceaccount app -n default azure.workload.identity/client-id=<CLIENT_ID> --overwrite');
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

/** A token someone copied once into Secret `copied-token` (`kubectl create token --duration`), mounted at `dir`. */
function copiedPod(dir: string, env?: { name: string; value: string }, patch: (p: V1Pod) => void = () => {}): V1Pod {
  return makePod((p) => {
    p.spec!.volumes!.push({ name: 'copied', secret: { secretName: 'copied-token' } });
    const c = p.spec!.containers[0];
    c.volumeMounts!.push({ name: 'copied', mountPath: dir, readOnly: true });
    if (env) c.env = [...(c.env ?? []), env];
    patch(p);
  });
}
const vaultToken = (issuedMinAgo: number, lifetime = 3600) =>
  makeBoundToken({ serviceAccount: { name: 'app', uid: SA_UID }, audiences: ['vault'], issuedAt: ago(issuedMinAgo), expirationSeconds: lifetime });
const fileAt = (path: string, raw: string, writtenMinAgo: number) => ({ [path]: { path, stat: { size: raw.length, atime: ago(writtenMinAgo), mtime: ago(writtenMinAgo) }, raw } });

describe('copies and diagnose --path', () => {
  const COPY = '/var/run/secrets/aws-copy/token';

  test('AWS_WEB_IDENTITY_TOKEN_FILE points at a copy in a Secret that expired: fail, and point it back at the rotating mount', async () => {
    const pod = irsaPod((p) => {
      p.spec!.volumes!.push({ name: 'copied', secret: { secretName: 'copied-token' } });
      p.spec!.containers[0].volumeMounts!.push({ name: 'copied', mountPath: '/var/run/secrets/aws-copy', readOnly: true });
      p.spec!.containers[0].env![1].value = COPY;
    });
    const tokens = { ...file(irsaToken(60), 60), ...fileAt(COPY, irsaToken(125, 3600), 125) };
    const r = await thirdPartyTokens.run(makeCtx({ pod, data: fakeSource({ serviceAccount: irsaSA(), tokenFiles: tokens }) }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe(`AWS_WEB_IDENTITY_TOKEN_FILE points at ${COPY}, a copy on Secret copied-token (volume copied): nothing rotates it, and EKS IRSA (IAM roles for service accounts) in it expired 65m ago, so AWS STS refuses it`);
    expect(r.fix).toEqual([`kubectl set env deployment/web -n default -c app AWS_WEB_IDENTITY_TOKEN_FILE=${IRSA_FILE}`]);
    expect(r.evidence).toContain(`${COPY}: on volume copied (Secret copied-token), not a projected token`);
  });

  test('--path on a Vault token copied into a Secret, still valid: warn that nothing rotates it, fix = a projected volume of the same name', async () => {
    const path = '/var/run/secrets/vault/token';
    const data = fakeSource({ tokenFiles: fileAt(path, vaultToken(30), 30) });
    const r = await thirdPartyTokens.run(makeCtx({ pod: copiedPod('/var/run/secrets/vault'), data, paths: [path] }));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/^\/var\/run\/secrets\/vault\/token is a copy on Secret copied-token \(volume copied\): nothing rotates it, so HashiCorp Vault \(Kubernetes auth\) in it stops working when it expires 2026-11-28T16:30:00Z \(in 30m\)$/);
    expect(r.fix).toEqual([
      `kubectl patch deployment web -n default -p '{"spec":{"template":{"spec":{"volumes":[{"name":"copied","secret":null,"projected":{"sources":[{"serviceAccountToken":{"audience":"vault","expirationSeconds":3600,"path":"token"}}]}}]}}}}'`,
    ]);
  });

  test('--path on the same copy once expired: fail', async () => {
    const path = '/var/run/secrets/vault/token';
    const data = fakeSource({ tokenFiles: fileAt(path, vaultToken(125), 125) });
    const r = await thirdPartyTokens.run(makeCtx({ pod: copiedPod('/var/run/secrets/vault'), data, paths: [path] }));
    expect(r.status).toBe('fail');
    expect(r.message).toContain('HashiCorp Vault (Kubernetes auth) in it expired 65m ago, so Vault refuses it');
  });

  test('--path on a projected Vault token: judged for expiry and rotation like the found ones', async () => {
    const path = '/var/run/secrets/vault/token';
    const pod = makePod((p) => {
      p.spec!.volumes!.push({ name: 'vault-token', projected: { sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } }] } });
      p.spec!.containers[0].volumeMounts!.push({ name: 'vault-token', mountPath: '/var/run/secrets/vault' });
    });
    const healthy = await thirdPartyTokens.run(makeCtx({ pod, data: fakeSource({ tokenFiles: fileAt(path, vaultToken(20), 20) }), paths: [path] }));
    expect(healthy).toMatchObject({ status: 'pass', message: 'HashiCorp Vault (Kubernetes auth): mounted, unexpired and rotating; not meant for the API server, and not sent to it' });
    const stale = await thirdPartyTokens.run(makeCtx({ pod, data: fakeSource({ tokenFiles: fileAt(path, vaultToken(58), 58) }), paths: [path] }));
    expect(stale.status).toBe('warn');
    expect(stale.message).toMatch(/overdue for rotation/);
  });

  test('--path where nothing is mounted: fail, naming the mounts there are', async () => {
    const r = await thirdPartyTokens.run(makeCtx({ paths: ['/var/run/secrets/vault/token'] }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('nothing is mounted at /var/run/secrets/vault/token in container app (its mounts: /var/run/secrets/kubernetes.io/serviceaccount)');
  });

  test('--path on the API token itself: left to the other checks', async () => {
    const r = await thirdPartyTokens.run(makeCtx({ paths: ['/var/run/secrets/kubernetes.io/serviceaccount/token'] }));
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain('--path /var/run/secrets/kubernetes.io/serviceaccount/token: the API token, judged by the other checks');
  });
});

describe('GKE Workload Identity (no token: the node must run the GKE metadata server)', () => {
  const GSA = 'app@proj.iam.gserviceaccount.com';
  const gkeSA = () => got(makeServiceAccount({ metadata: { name: 'app', namespace: 'default', uid: SA_UID, annotations: { 'iam.gke.io/gcp-service-account': GSA } } }));
  const node = (labels: Record<string, string>) => {
    const n = makeNode();
    n.metadata!.labels = labels;
    return got(n);
  };

  test('annotated ServiceAccount on a node running the metadata server: pass, saying so', async () => {
    const data = fakeSource({ serviceAccount: gkeSA(), node: node({ 'iam.gke.io/gke-metadata-server-enabled': 'true', 'cloud.google.com/gke-nodepool': 'default-pool' }) });
    const r = await thirdPartyTokens.run(makeCtx({ data }));
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/^GKE Workload Identity: the node runs the GKE metadata server; /);
    expect(r.evidence).toContain(`serviceaccount app: iam.gke.io/gcp-service-account=${GSA}; node node-1 (node pool default-pool) runs the GKE metadata server (iam.gke.io/gke-metadata-server-enabled=true)`);
  });

  test('on a node without it: fail; the fix selects the metadata-server nodes, dropping a pin to the pool that lacks it', async () => {
    const data = fakeSource({ serviceAccount: gkeSA(), node: node({ 'cloud.google.com/gke-nodepool': 'legacy-pool' }) });
    const pinned = makePod((p) => (p.spec!.nodeSelector = { 'cloud.google.com/gke-nodepool': 'legacy-pool', 'kubernetes.io/arch': 'amd64' }));
    const r = await thirdPartyTokens.run(makeCtx({ pod: pinned, data }));
    expect(r.status).toBe('fail');
    expect(r.message).toContain("act as the node's own service account, not as app@proj.iam.gserviceaccount.com");
    expect(r.message).toContain('gcloud container node-pools update legacy-pool --cluster=<CLUSTER> --location=<LOCATION> --workload-metadata=GKE_METADATA');
    expect(r.fix).toEqual([
      `kubectl patch deployment web -n default --type json -p '[{"op":"remove","path":"/spec/template/spec/nodeSelector/cloud.google.com~1gke-nodepool"},{"op":"add","path":"/spec/template/spec/nodeSelector/iam.gke.io~1gke-metadata-server-enabled","value":"true"}]'`,
    ]);
    // No nodeSelector at all: one is added.
    const free = await thirdPartyTokens.run(makeCtx({ data: fakeSource({ serviceAccount: gkeSA(), node: node({}) }) }));
    expect(free.fix).toEqual([`kubectl patch deployment web -n default --type json -p '[{"op":"add","path":"/spec/template/spec/nodeSelector","value":{"iam.gke.io/gke-metadata-server-enabled":"true"}}]'`]);
  });

  test('a ServiceAccount without the annotation: the node is not judged', async () => {
    const r = await thirdPartyTokens.run(makeCtx({ data: fakeSource({ node: node({}) }) }));
    expect(r.status).toBe('pass');
    expect(r.evidence.join('\n')).not.toContain('metadata server');
  });
});
