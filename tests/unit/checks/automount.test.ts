import { got } from '../../../src/checks/context';
import { automount } from '../../../src/checks/automount';
import { fakeSource, forbidden, makeCtx, makePod, makeServiceAccount } from './fakes';

/** A pod created while automount was off: admission injected no volume. */
const podWithoutToken = (podSetting?: boolean) =>
  makePod((p) => {
    p.spec!.volumes = [];
    p.spec!.containers[0].volumeMounts = [];
    if (podSetting !== undefined) p.spec!.automountServiceAccountToken = podSetting;
  });

describe('automount', () => {
  test('passes with the default and the injected volume', async () => {
    const r = await automount.run(makeCtx());
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain('effective: true (decided by the default (true))');
  });

  test('fails when the ServiceAccount disables it, with the patch and the restart', async () => {
    const data = fakeSource({ serviceAccount: got(makeServiceAccount({ automountServiceAccountToken: false })) });
    const r = await automount.run(makeCtx({ pod: podWithoutToken(), data }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/disabled by ServiceAccount app/);
    expect(r.fix).toEqual([
      `kubectl patch serviceaccount app -n default -p '{"automountServiceAccountToken":true}'`,
      'kubectl delete pod web-7d4b9c-x2x9q -n default',
    ]);
  });

  test('the pod setting wins over the ServiceAccount (pod false, SA true)', async () => {
    const data = fakeSource({ serviceAccount: got(makeServiceAccount({ automountServiceAccountToken: true })) });
    const r = await automount.run(makeCtx({ pod: podWithoutToken(false), data }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/disabled by the pod spec/);
    // The pod template is the Deployment's: patch it (its controller rolls the pods).
    expect(r.fix).toEqual([
      `kubectl patch deployment web -n default --type json -p '[{"op":"add","path":"/spec/template/spec/automountServiceAccountToken","value":true}]'`,
    ]);
  });

  test('the pod setting wins the other way too (pod true, SA false): pass', async () => {
    const data = fakeSource({ serviceAccount: got(makeServiceAccount({ automountServiceAccountToken: false })) });
    const r = await automount.run(makeCtx({ pod: makePod((p) => (p.spec!.automountServiceAccountToken = true)), data }));
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain('effective: true (decided by the pod)');
  });

  test('warns when the ServiceAccount turned it off after this pod got its token', async () => {
    const data = fakeSource({ serviceAccount: got(makeServiceAccount({ automountServiceAccountToken: false })) });
    const r = await automount.run(makeCtx({ data }));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/re-created pod will have none/);
  });

  test('a manual projected volume with automount off is fine', async () => {
    const pod = makePod((p) => {
      p.spec!.automountServiceAccountToken = false;
      p.spec!.volumes![0].name = 'my-token';
      p.spec!.containers[0].volumeMounts![0].name = 'my-token';
    });
    expect((await automount.run(makeCtx({ pod }))).status).toBe('pass');
  });

  test('skips, naming the permission, when the ServiceAccount cannot be read and nothing is mounted', async () => {
    const data = fakeSource({ serviceAccount: forbidden('get serviceaccounts in default') });
    const r = await automount.run(makeCtx({ pod: podWithoutToken(), data }));
    expect(r.status).toBe('skip');
    expect(r.message).toMatch(/^not permitted: get serviceaccounts in default/);
  });

  test('a bare pod gets a replace command instead of a workload patch', async () => {
    const pod = podWithoutToken(false);
    delete pod.metadata!.ownerReferences;
    const r = await automount.run(makeCtx({ pod }));
    expect(r.fix[0]).toMatch(/^kubectl get pod web-7d4b9c-x2x9q -n default -o json \| kubectl patch --local -f - --type json -p '.*"\/spec\/automountServiceAccountToken".*' -o json \| kubectl replace --force -f -$/);
  });
});
