/**
 * The commands the plugin runs in a pod, run in a real container and in the emulator's, through the
 * plugin's own kube layer (src/kube/exec.ts over the exec WebSocket): the output a check parses, the
 * exit code and the error a refusal maps to must agree once what differs by nature (token bytes,
 * times, sizes, the CA) is normalised. The real container is the project's busybox image; an app's
 * image may carry GNU coreutils instead, whose `cat`/`stat` words differ (the emulator's are busybox's).
 */
import { connect } from '../../src/kube/connect';
import type { KubeConnection } from '../../src/kube/types';
import { podFileReadCommand } from '../../src/commands/pod-file-read';
import { probeCommand } from '../../src/commands/diagnose/probe';
import { start, type Emulator } from '../apiserver';
import { realTierUnavailable } from './gate';
import { kubectlIn } from './support/cluster';
import { sharedCluster } from './support/shared';

const skip = realTierUnavailable();
// A name of its own per run: a namespace deleted by an earlier run may still be terminating.
const NS = `real-diffexec-${Date.now().toString(36)}`;
const DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const never = new AbortController().signal;

const pod = (name: string, containers: string[]) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS },
  spec: {
    serviceAccountName: 'default', hostNetwork: true, terminationGracePeriodSeconds: 0,
    containers: containers.map((c) => ({ name: c, image: 'localhost/busybox:kt', imagePullPolicy: 'Never', command: ['sleep', '3600'] })),
  },
});

/** What differs between two clusters by nature: token bytes, times, sizes, the CA's PEM body, uids, the runtime's exec ids. */
function normalised(s: string): string {
  return s
    .replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '<jwt>')
    .replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, '<pem>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [+-]\d{4}/g, '<time>')
    .replace(/^(.*\|)?\d+(\|[^|\n]+\|[^|\n]+)$/gm, '$1<size>$2')
    .replace(/exec "[0-9a-f]{64}"/g, 'exec "<exec id>"')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uid>');
}

/** The plugin's view of one exec: its result, or the error it maps the refusal to. */
async function run(conn: KubeConnection, name: string, container: string | undefined, command: string[]): Promise<unknown> {
  try {
    const r = await conn.api.exec(NS, name, container, command);
    return { exitCode: r.exitCode, stdout: normalised(r.stdout), stderr: normalised(r.stderr) };
  } catch (e) {
    return { error: normalised((e as Error).message), type: (e as Error).constructor.name };
  }
}

if (skip) process.stderr.write(`real tier skipped: ${skip}\n`);

(skip ? describe.skip : describe)(`real cluster: the commands the plugin runs in a pod${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const cluster = sharedCluster();
  let emulator: Emulator;
  let real: KubeConnection;
  let emu: KubeConnection;

  beforeAll(async () => {
    const kubeconfig = cluster().kubeconfig;
    emulator = await start();
    await kubectlIn(kubeconfig, ['create', 'namespace', NS]);
    await emulator.adminRequest('POST', '/api/v1/namespaces', { metadata: { name: NS } });
    for (const p of [pod('one', ['app']), pod('two', ['app', 'side'])]) {
      await kubectlIn(kubeconfig, ['create', '-f', '-'], JSON.stringify(p));
      const r = await emulator.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, p);
      expect(r.status).toBe(201);
    }
    // The real ServiceAccount admission needs the namespace's default ServiceAccount, made by the controller manager.
    await kubectlIn(kubeconfig, ['wait', '-n', NS, '--for=condition=Ready', 'pod/one', 'pod/two', '--timeout=180s']);
    real = await connect({ kubeconfig, requestTimeoutMs: 30_000 }, {}, never);
    emu = await connect({ kubeconfig: emulator.kubeconfigPath, requestTimeoutMs: 30_000 }, {}, never);
  }, 300_000);

  afterAll(async () => {
    await emulator?.stop();
    await kubectlIn(cluster().kubeconfig, ['delete', 'namespace', NS, '--wait=false']).catch(() => {});
  });

  test.each([
    ['diagnose\'s probe of the token directory (stat, cat, stat)', 'one', 'app', probeCommand(DIR)],
    ['decode --pod\'s read of the token (stat, cat, stat)', 'one', 'app', podFileReadCommand(`${DIR}/token`)],
    ['the plain cat decode falls back to', 'one', 'app', ['cat', `${DIR}/namespace`]],
    ['diagnose\'s read of a projected file (stat, cat)', 'one', 'app', ['sh', '-c', `stat -L -c '%s|%x|%y' '${DIR}/ca.crt'; echo --satoken-file--; cat '${DIR}/ca.crt'`]],
    ['a file that is not there (cat\'s words and exit code)', 'one', 'app', podFileReadCommand('/var/run/secrets/nope/token')],
    ['a failing shell command\'s exit code', 'one', 'app', ['sh', '-c', 'exit 7']],
    ['the one container, when none is named', 'one', undefined, ['cat', `${DIR}/namespace`]],
  ])('%s', async (_what, name, container, command) => {
    const [r, e] = await Promise.all([run(real, name, container, command), run(emu, name, container, command)]);
    expect(e).toEqual(r);
  });

  test.each([
    ['a container the pod does not have', 'one', 'ghost', ['cat', `${DIR}/token`]],
    ['no container named in a pod of two', 'two', undefined, ['cat', `${DIR}/token`]],
    ['a pod that does not exist', 'nope', 'app', ['cat', `${DIR}/token`]],
    // An image without the shell the plugin's commands need (distroless): the runtime refuses the exec.
    ['an executable the image does not have', 'one', 'app', ['satoken-no-such-shell', '-c', 'true']],
  ])('refused: %s (the error the plugin maps it to)', async (_what, name, container, command) => {
    const [r, e] = await Promise.all([run(real, name, container, command), run(emu, name, container, command)]);
    expect(r).toHaveProperty('error');
    expect(e).toEqual(r);
  });
});
