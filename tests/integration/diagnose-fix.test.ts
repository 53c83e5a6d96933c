/**
 * The demo's promise: the fix commands diagnose prints, run with the real kubectl against the
 * emulator, make the next diagnose of the (re-created) pod healthy — for every failure mode.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { start, type Emulator } from '../apiserver';
import { DEMO_CASES } from '../apiserver/scenarios/demo';
import { diagnoseJson, podIn } from './diagnose-support';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
const haveKubectl = existsSync(KUBECTL);

let k: Emulator;
beforeAll(async () => {
  k = await start({ scenarios: 'demo' });
});
afterAll(async () => {
  await k.stop();
});

/** The namespace's running pod that replaced `old` (its controller acts just after the request). */
async function replacement(ns: string, old: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const pods = k.store.list(k.cluster.type('', 'pods'), ns).items.filter((p) => p.status?.phase === 'Running');
    if (pods.length === 1 && pods[0].metadata.name !== old) return pods[0].metadata.name;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no replacement pod in ${ns}`);
}

const cases = DEMO_CASES.filter((c) => c.rootCause !== null);
(haveKubectl ? describe : describe.skip)(`applying the printed fixes with kubectl${haveKubectl ? '' : ' (skipped: no /usr/bin/kubectl)'}`, () => {
  test.each(cases)('$namespace: fix commands make it healthy', async (c) => {
    const pod = podIn(k, c.namespace);
    const before = await diagnoseJson(k, [pod, '-n', c.namespace]);
    expect(before.result.rootCause.check).toBe(c.rootCause);
    for (const command of before.result.fix as string[]) {
      expect(command).toMatch(/^kubectl /);
      await run('sh', ['-c', command], { env: { PATH: `/usr/bin:/bin`, KUBECONFIG: k.kubeconfigPath, HOME: '/nonexistent' }, timeout: 15000 });
    }
    const restarted = before.result.fix.some((f: string) => f.startsWith('kubectl delete pod') || f.startsWith('kubectl patch deployment'));
    const now = restarted ? await replacement(c.namespace, pod) : pod;
    if (restarted) expect(now).not.toBe(pod);
    const after = await diagnoseJson(k, [now, '-n', c.namespace]);
    const notPassing = after.result.checks.filter((ch: { status: string }) => ch.status === 'fail' || ch.status === 'warn');
    expect(notPassing).toEqual([]);
    expect(after.result.status).toBe('healthy');
    expect(after.code).toBe(0);
  });
});
