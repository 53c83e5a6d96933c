import { got } from '../../../src/checks/context';
import { restartPod, restartsOffLostNode } from '../../../src/checks/fixes';
import { nodeReady } from '../../../src/checks/node-ready';
import { refreshDue, tokenRotation } from '../../../src/checks/token-rotation';
import { makeBoundToken, TEST_NOW } from '../../support/tokens';
import { fakeSource, forbidden, makeCtx, makeNode, makePod, mountedFiles, SA_UID } from './fakes';

const sa = { name: 'app', uid: SA_UID };
const hoursAgo = (h: number) => new Date(TEST_NOW.getTime() - h * 3600_000);
const withToken = (raw: string, extra = {}) => fakeSource({ mountedToken: got(mountedFiles(raw)), ...extra });

describe('token-rotation', () => {
  test('the kubelet rule: 80 % of the TTL, capped at 24 h', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    expect(refreshDue(t0, 3600_000).toISOString()).toBe('2026-01-01T00:48:00.000Z');
    expect(refreshDue(t0, 7 * 24 * 3600_000).toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  test('passes a young token and says when it refreshes', async () => {
    const r = await tokenRotation.run(makeCtx());
    expect(r.status).toBe('pass');
    expect(r.message).toBe('the token is 19m old; the kubelet refreshes it in 29m');
  });

  test('fails an expired projected token, naming the node', async () => {
    const raw = makeBoundToken({ serviceAccount: sa, issuedAt: hoursAgo(2), expirationSeconds: 3600 });
    const r = await tokenRotation.run(makeCtx({ data: withToken(raw) }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('the token expired 60m ago and was not refreshed: the kubelet on node node-1 has stopped rotating it');
  });

  test('warns on an extended token overdue for refresh (still valid, stale)', async () => {
    const raw = makeBoundToken({ serviceAccount: sa, issuedAt: hoursAgo(2), expirationSeconds: 365 * 86400, warnAfterSeconds: 3607 });
    const r = await tokenRotation.run(makeCtx({ data: withToken(raw) }));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/overdue for refresh since 71m and past warnafter/);
  });

  test('fails on a FailedMount "failed to fetch token" event even without the token', async () => {
    const message = 'MountVolume.SetUp failed for volume "kube-api-access-abcde" : failed to fetch token: the server could not find the requested resource';
    const data = fakeSource({ podEvents: got([{ metadata: {}, involvedObject: {}, reason: 'FailedMount', message }]), mountedToken: forbidden('x') });
    const r = await tokenRotation.run(makeCtx({ data }));
    expect(r.status).toBe('fail');
    expect(r.message).toContain('failed to fetch token');
  });

  test('not applicable to a Secret volume', async () => {
    const pod = makePod((p) => (p.spec!.volumes = [{ name: 'kube-api-access-abcde', secret: { secretName: 'app-token' } }]));
    const r = await tokenRotation.run(makeCtx({ pod }));
    expect(r).toMatchObject({ status: 'skip', message: expect.stringMatching(/^not applicable: the token comes from Secret app-token/) });
  });
});

describe('node-ready', () => {
  test('passes a Ready node', async () => {
    expect((await nodeReady.run(makeCtx())).status).toBe('pass');
  });

  test('fails a NotReady node with a restart', async () => {
    const r = await nodeReady.run(makeCtx({ data: fakeSource({ node: got(makeNode('Unknown')) }) }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('node node-1 is not Ready (NodeStatusUnknown): its kubelet cannot refresh the pod\'s token');
    // No kubelet confirms the deletion of a pod on a NotReady node: a waiting delete would never return.
    expect(r.fix).toEqual(['kubectl delete pod web-7d4b9c-x2x9q -n default --wait=false']);
  });

  test('a bare pod on a NotReady node: replaced with a forced deletion, the only one that frees its name there', async () => {
    const pod = makePod((p) => delete p.metadata!.ownerReferences);
    const r = await nodeReady.run(makeCtx({ pod, data: fakeSource({ node: got(makeNode('Unknown')) }) }));
    expect(r.fix).toHaveLength(1);
    expect(r.fix[0]).toMatch(/^kubectl get pod web-7d4b9c-x2x9q -n default -o json \| kubectl patch --local .* \| kubectl replace --force --grace-period=0 -f -$/);
  });

  test('when node-ready fails, every check\'s restart of the pod stops waiting for the kubelet; other commands stay', () => {
    const pod = makePod();
    const plain = restartPod(pod)[0];
    const results = [
      { id: 'token-rotation', status: 'fail', fix: [plain] },
      { id: 'serviceaccount-exists', status: 'fail', fix: ['kubectl create serviceaccount app -n default', plain] },
      { id: 'node-ready', status: 'fail', fix: restartPod(pod, { nodeLost: true }) },
    ];
    const out = restartsOffLostNode(pod, results);
    expect(out.map((r) => r.fix)).toEqual([
      [`${plain} --wait=false`],
      ['kubectl create serviceaccount app -n default', `${plain} --wait=false`],
      [`${plain} --wait=false`],
    ]);
    // A Ready node: nothing changes.
    const ready = results.map((r) => (r.id === 'node-ready' ? { ...r, status: 'pass', fix: [] } : r));
    expect(restartsOffLostNode(pod, ready)).toEqual(ready);
  });

  test('skips when nodes may not be read, naming the permission', async () => {
    const r = await nodeReady.run(makeCtx({ data: fakeSource({ node: forbidden('get nodes') }) }));
    expect(r.message).toMatch(/^not permitted: get nodes/);
  });

  test('not applicable to an unscheduled pod', async () => {
    const pod = makePod((p) => delete p.spec!.nodeName);
    expect((await nodeReady.run(makeCtx({ pod }))).message).toMatch(/^not applicable: the pod is not scheduled/);
  });
});
