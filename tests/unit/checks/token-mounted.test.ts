import { got } from '../../../src/checks/context';
import { tokenMounted } from '../../../src/checks/token-mounted';
import { defaultToken, fakeSource, makeCtx, makePod, mountedFiles, noExec, SA_DIR } from './fakes';

describe('token-mounted', () => {
  test('passes when the three files are there', async () => {
    const r = await tokenMounted.run(makeCtx());
    expect(r.status).toBe('pass');
    expect(r.evidence[0]).toBe(`volume: kube-api-access-abcde (projected) at ${SA_DIR}`);
  });

  test('passes on the spec alone when exec is unavailable, saying why the files were not inspected', async () => {
    const r = await tokenMounted.run(makeCtx({ data: fakeSource({ mountedToken: noExec('not permitted: create pods/exec in default') }) }));
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/files not inspected — exec unavailable: not permitted: create pods\/exec/);
  });

  test('fails when nothing is mounted at the token directory', async () => {
    const pod = makePod((p) => (p.spec!.containers[0].volumeMounts = []));
    const r = await tokenMounted.run(makeCtx({ pod }));
    expect(r.status).toBe('fail');
    expect(r.fix).toEqual(['kubectl delete pod web-7d4b9c-x2x9q -n default']);
  });

  test('leaves the fix to automount when automount is off', async () => {
    const pod = makePod((p) => {
      p.spec!.containers[0].volumeMounts = [];
      p.spec!.automountServiceAccountToken = false;
    });
    const r = await tokenMounted.run(makeCtx({ pod }));
    expect(r.status).toBe('fail');
    expect(r.fix).toEqual([]);
  });

  test('fails when the token file is missing', async () => {
    const m = mountedFiles(undefined);
    m.files.token = null;
    const r = await tokenMounted.run(makeCtx({ data: fakeSource({ mountedToken: got(m) }) }));
    expect(r.status).toBe('fail');
    expect(r.evidence).toContain(`${SA_DIR}/token: missing`);
  });

  test('warns when ca.crt is missing (a hand-made projected volume without it)', async () => {
    const m = mountedFiles(defaultToken());
    m.files['ca.crt'] = null;
    const r = await tokenMounted.run(makeCtx({ data: fakeSource({ mountedToken: got(m) }) }));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/ca\.crt is missing/);
  });

  test('fails with the kubelet event when the container never started', async () => {
    const pod = makePod((p) => {
      p.status = { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }] };
    });
    const message = 'MountVolume.SetUp failed for volume "kube-api-access-abcde" : failed to fetch token: serviceaccounts "app" not found';
    const data = fakeSource({ podEvents: got([{ metadata: {}, involvedObject: { name: pod.metadata!.name }, reason: 'FailedMount', message, count: 4 }]), mountedToken: noExec('container app is not running') });
    const r = await tokenMounted.run(makeCtx({ pod, data }));
    expect(r.status).toBe('fail');
    expect(r.message).toContain(message);
  });
});
