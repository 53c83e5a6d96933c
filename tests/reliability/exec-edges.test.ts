/**
 * Exec edge cases: a container that is not running, a distroless image (no cat, no shell), cat
 * denied, exec forbidden by RBAC, a WebSocket closed before the exit status. decode --pod ends
 * with one error line that says why; diagnose skips the checks that needed the files and says why.
 * Nothing hangs: each run is bounded by --request-timeout.
 *
 * The emulator stages the first, second and fourth for real; cat denied and the early close come
 * from the fault server's WebSocket, spliced into the real cli as the kube layer's exec (the
 * rest of the calls still go to the emulator) — a dependency passed in, not a module mock.
 */
import type { Emulator } from '../apiserver';
import type { CliCommand } from '../../src/cli/command';
import { decodeCommand } from '../../src/cli/commands/decode';
import { diagnoseCommand } from '../../src/cli/commands/diagnose';
import { connect } from '../../src/kube/connect';
import type { KubeApi } from '../../src/kube/types';
import { pem, startFaultServer, writeKubeconfig, type FaultServer } from '../integration/kube/support/fault-server';
import { errorLines, noCrash, NS, startWorld, timed } from './support/world';
import { LATE_MS } from '../support/late';

let k: Emulator;
let srv: FaultServer;
let faultExec: KubeApi['exec'];
const frame = (channel: number, data: string | object) => Buffer.concat([Buffer.from([channel]), Buffer.from(typeof data === 'string' ? data : JSON.stringify(data))]);

const pod = (name: string, image: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, annotations: { 'emulator.satoken.dev/image': image } },
  spec: { serviceAccountName: 'app', containers: [{ name: 'app', image }] },
});

beforeAll(async () => {
  k = await startWorld([
    // A user who may read pods but not exec into them.
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'no-exec', namespace: NS }, rules: [{ apiGroups: [''], resources: ['pods', 'serviceaccounts', 'secrets', 'events', 'configmaps'], verbs: ['get', 'list'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'no-exec', namespace: NS }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'no-exec' }, subjects: [{ kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' }] },
  ]);
  for (const p of [pod('static', 'distroless'), pod('stopped', 'busybox')]) await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, p);
  await k.adminRequest('PATCH', `/api/v1/namespaces/${NS}/pods/stopped/status`, { status: { phase: 'Pending' } }, { 'Content-Type': 'application/merge-patch+json' });
  srv = await startFaultServer();
  const conn = await connect({ kubeconfig: writeKubeconfig(srv.url, pem('ca.crt')), requestTimeoutMs: 2000 }, {}, new AbortController().signal);
  faultExec = (...a) => conn.api.exec(...a);
}, 30_000);
afterAll(async () => {
  await srv?.stop();
  await k?.stop();
});

/** A command whose cluster connection execs through the fault server. */
function withFaultExec(base: CliCommand): CliCommand {
  return {
    ...base,
    run: (args, ctx) =>
      base.run(args, {
        ...ctx,
        deps: {
          ...ctx.deps,
          kube: async () => {
            const c = await ctx.deps.kube();
            return { ...c, api: { ...c.api, exec: faultExec } };
          },
        },
      }),
  };
}

const EDGES: Record<string, { podName: string; extra?: string[]; stage?: () => void; decodeSays: RegExp; diagnoseSays: RegExp; viaFault?: boolean }> = {
  'container not running': { podName: 'stopped', decodeSays: /container not found \("app"\)|not running/, diagnoseSays: /not running \(pod phase Pending\)/ },
  'distroless (no cat)': { podName: 'static', decodeSays: /the image has no cat/, diagnoseSays: /the image has no shell \(distroless\?\)/ },
  'exec forbidden by RBAC': { podName: 'web', extra: ['--as', 'jane'], decodeSays: /forbidden|cannot create resource "pods\/exec"/i, diagnoseSays: /pods\/exec|forbidden/i },
  'cat denied': {
    podName: 'web',
    viaFault: true,
    stage: () => {
      srv.onUpgrade = (ws, req) => {
        // diagnose's probe (sh -c 'stat …; echo MARKER; cat token'): stat works, cat is denied.
        if (new URL(req.url ?? '/', 'https://x').searchParams.get('command') === 'sh') {
          const t = '2026-11-28 16:04:02.021000000 +0000';
          const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
          ws.send(frame(1, ['token', 'ca.crt', 'namespace'].map((f) => `${dir}/${f}|1000|${t}|${t}\n`).join('') + '--satoken-token--\n'));
        }
        ws.send(frame(2, 'cat: /var/run/secrets/kubernetes.io/serviceaccount/token: Permission denied\n'));
        ws.send(frame(3, { status: 'Failure', reason: 'NonZeroExitCode', message: 'exit code 1', details: { causes: [{ reason: 'ExitCode', message: '1' }] } }));
        ws.close(1000);
      };
    },
    decodeSays: /Permission denied/,
    diagnoseSays: /the token file cannot be read \(cat: \S+: Permission denied\)/,
  },
  'WebSocket closed early': {
    podName: 'web',
    viaFault: true,
    stage: () => {
      srv.onUpgrade = (ws) => ws.close(1011);
    },
    decodeSays: /closed before the command reported its exit status/,
    diagnoseSays: /closed before the command reported its exit status/,
  },
};

describe.each(Object.entries(EDGES))('%s', (_name, e) => {
  const commands = (base: CliCommand) => [e.viaFault ? withFaultExec(base) : base];

  test('decode --pod: exit 1, one error line with the reason, bounded', async () => {
    e.stage?.();
    const r = await timed(['decode', '--pod', e.podName, '-n', NS, '--request-timeout', '2s', ...(e.extra ?? [])], { kubeconfig: k.kubeconfigPath, commands: commands(decodeCommand) });
    noCrash(r);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toHaveLength(1);
    expect(errorLines(r)[0]).toMatch(e.decodeSays);
    expect(r.ms).toBeLessThan(2000 + LATE_MS);
  });

  test('diagnose: the file checks are skipped and say why; the others still run', async () => {
    e.stage?.();
    const r = await timed(['diagnose', e.podName, '-n', NS, '-o', 'json', '--request-timeout', '2s', ...(e.extra ?? [])], { kubeconfig: k.kubeconfigPath, commands: commands(diagnoseCommand) });
    noCrash(r);
    expect(r.ms).toBeLessThan(2000 + LATE_MS);
    const d = JSON.parse(r.stdout);
    // The token was never read: not healthy. Inconclusive (exit 4) unless something else failed.
    expect(d.status).not.toBe('healthy');
    expect(r.code).toBe(d.status === 'failing' ? 3 : d.status === 'inconclusive' ? 4 : 0);
    const checks: Array<{ id: string; status: string; message: string }> = d.checks;
    const skipped = checks.filter((c) => c.status === 'skip');
    expect(skipped.map((c) => c.id)).toEqual(expect.arrayContaining(['token-claims']));
    for (const c of skipped.filter((x) => x.id === 'token-claims')) expect(c.message).toMatch(e.diagnoseSays);
    expect(checks.find((c) => c.id === 'automount')?.status).toBe('pass');
  });
});
