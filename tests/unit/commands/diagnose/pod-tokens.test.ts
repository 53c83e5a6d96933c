import type { V1Pod } from '@kubernetes/client-node';
import { got, missing } from '../../../../src/checks/context';
import { podTokens } from '../../../../src/commands/diagnose/pod-tokens';
import { inspectToken } from '../../../../src/jwt';
import { makeBoundToken, TEST_NOW } from '../../../support/tokens';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const vol = (name: string) => ({ name, projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 600 } }] } });
const mount = (name: string) => [{ name, mountPath: SA_DIR, readOnly: true }];

const pod: V1Pod = {
  metadata: { name: 'p', namespace: 'ns' },
  spec: {
    volumes: [vol('a'), vol('b'), vol('c'), { name: 'data', emptyDir: {} }],
    containers: [
      { name: 'self', volumeMounts: mount('a') },
      { name: 'twin', volumeMounts: mount('a') },
      { name: 'own', volumeMounts: mount('b') },
      { name: 'broken', volumeMounts: mount('c') },
      { name: 'none', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
    ],
  },
};

test('reads the token of each other container with a volume of its own; the same volume and no token are not read', async () => {
  const read: string[] = [];
  const out = await podTokens(pod, pod.spec!.containers[0], async (name) => {
    read.push(name);
    if (name === 'broken') return missing({ kind: 'no-exec', message: 'container broken is not running (pod phase Running)' });
    return got({ via: 'exec', dir: SA_DIR, files: { token: undefined, 'ca.crt': undefined, namespace: undefined }, raw: makeBoundToken({ jti: 'j-own' }) });
  }, inspectToken, TEST_NOW);
  expect(read.sort()).toEqual(['broken', 'own']);
  expect(out).toEqual(got([
    { container: 'twin', volume: 'a', why: 'it mounts the same volume' },
    { container: 'own', volume: 'b', credential: 'JTI=j-own' },
    { container: 'broken', volume: 'c', why: 'container broken is not running (pod phase Running)' },
  ]));
});

test('a file that is not a JWT gives no credential, and no text of it', async () => {
  const out = await podTokens(pod, pod.spec!.containers[0], async () => got({ via: 'exec', dir: SA_DIR, files: { token: undefined, 'ca.crt': undefined, namespace: undefined }, raw: 'not-a-jwt-secret' }), inspectToken, TEST_NOW);
  expect(JSON.stringify(out)).not.toContain('not-a-jwt-secret');
  expect(out.ok && out.value.find((o) => o.container === 'own')).toEqual({ container: 'own', volume: 'b', why: 'its token file is not a JWT' });
});
