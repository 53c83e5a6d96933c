/**
 * The demo's two backends apply one set of objects: the real cluster's cases are the emulator's with
 * only the changes tests/real/support/demo-cluster.ts names, and every DEMO_CASES namespace has one.
 */
import { DEMO_CASES } from '../apiserver/scenarios/demo';
import { demoObjects } from '../apiserver/scenarios/demo-objects';
import { realCases, realNamespace, SHORT_TOKEN_SECONDS } from '../real/support/demo-cluster';

const IMAGE = 'localhost/busybox:kt';
const emulated = demoObjects({ container: { image: 'example.com/shop/app:1.4' } });
const real = realCases('real-demo-', IMAGE, 'real-demo-node-without-kubelet');

test('one case per DEMO_CASES namespace, on both backends, in the same order', () => {
  expect(emulated.map((c) => c.key)).toEqual(DEMO_CASES.map((c) => c.namespace));
  expect(real.map((c) => c.key)).toEqual(DEMO_CASES.map((c) => c.namespace));
  expect(real.map((c) => c.namespace)).toEqual(DEMO_CASES.map((c) => realNamespace('real-demo-', c.namespace)));
  expect(realNamespace('real-demo-', 'diag-audience')).toBe('real-demo-audience');
  expect(realNamespace('', 'diag-audience')).toBe('diag-audience');
});

test('the real objects are the emulator\'s, in their own namespaces', () => {
  const renamed = (o: any, from: string, to: string) => JSON.parse(JSON.stringify(o).split(`"${from}"`).join(`"${to}"`));
  for (const [i, c] of real.entries()) {
    expect(c.objects).toEqual(renamed(emulated[i].objects, emulated[i].key, c.namespace));
    expect(c.breaks).toBe(emulated[i].breaks);
    expect(c.deployment.name).toBe(emulated[i].deployment.name);
  }
});

test('the real pod templates differ only as documented: the busybox app, a 1 s grace, the stopped node, the rotating token', () => {
  for (const [i, c] of real.entries()) {
    const spec = c.deployment.podSpec;
    const emu = emulated[i].deployment.podSpec;
    expect(spec.containers[0]).toMatchObject({ name: 'app', image: IMAGE, imagePullPolicy: 'Never', command: ['sleep', '86400'] });
    expect(spec.terminationGracePeriodSeconds).toBe(1);
    const { terminationGracePeriodSeconds: _g, containers, affinity, tolerations, ...rest } = spec;
    const { containers: emuContainers, ...emuRest } = emu;
    if (c.key === 'diag-app-cache') {
      expect(rest).toMatchObject({ automountServiceAccountToken: false, volumes: [{ name: 'api-token', projected: { sources: [{ serviceAccountToken: { expirationSeconds: SHORT_TOKEN_SECONDS, path: 'token' } }, {}, {}] } }] });
      continue;
    }
    expect(rest).toEqual(emuRest);
    expect(containers[0].volumeMounts).toEqual(emuContainers[0].volumeMounts);
    if (c.breaks === 'node-stopped') {
      expect(affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchFields[0].values).toEqual(['real-demo-node-without-kubelet']);
      // Kept on the NotReady node for ever (no tolerationSeconds), never scheduled onto it once NotReady (no NoSchedule toleration).
      expect(tolerations.filter((t: any) => t.key.startsWith('node.kubernetes.io/'))).toEqual([
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      ]);
    } else {
      expect(affinity).toBeUndefined();
      expect(tolerations).toBeUndefined();
    }
  }
});
