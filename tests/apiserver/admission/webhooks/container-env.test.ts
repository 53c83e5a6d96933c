/** The kubelet gives a container's process the spec's literal env entries (what identity webhooks add). */
import { start, type Emulator } from '../../index';

let k: Emulator;
beforeAll(async () => {
  k = await start();
});
afterAll(() => k.stop());

test('exec env shows the container env entries, $(VAR) expanded from earlier ones, $$ escaping', async () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'envy', namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'busybox', env: [{ name: 'A', value: 'one' }, { name: 'B', value: '$(A)/two' }, { name: 'C', value: '$$(A) $(UNSET)' }] }] },
  };
  expect((await k.adminRequest('POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
  k.kubelet.sync();
  const r = k.kubelet.exec('default', 'envy', 'app', ['env']);
  expect(r.ok).toBe(true);
  const lines = (r as { stdout: string }).stdout.split('\n');
  expect(lines).toEqual(expect.arrayContaining(['A=one', 'B=one/two', 'C=$(A) $(UNSET)', 'KUBERNETES_SERVICE_HOST=10.96.0.1']));
});
