/**
 * The slow lane of the real tier: one real token rotation by the kubelet, and what the plugin makes
 * of it. The workloads (tests/real/support/rotation.ts) are started by the run's global set-up as
 * soon as the run-wide cluster serves, so that the 8 minutes a 600 s token takes to rotate pass while
 * the rest of the suite runs; this file starts them itself when the set-up did not.
 *
 * Timeline of a 600 s token (k/k pkg/kubelet/token/token_manager.go requiresRefresh: 80 % of the TTL
 * less up to 10 s of jitter; the kubelet here syncs pods every 10 s): first token at the pod's start
 * t0, rotated at about t0 + 480 s; app-token-reload gives an app 2 min to re-read, so from about
 * t0 + 600 s the container that caches is seen presenting its first token, which the API server
 * accepts until exp + 60 s of leeway (t0 + 660 s) and refuses with 401 after. At about t0 + 960 s the
 * kubelet rotates again and what the caching container did before is out of the check's window (a
 * request with an expired token is audited without a user, so the log cannot tie it to the pod): a
 * run that reaches this file later than that starts fresh workloads and waits again.
 */
import path from 'node:path';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { realTierUnavailable } from './gate';
import { repo, kubectlIn, withEnv } from './support/cluster';
import { sharedCluster } from './support/shared';
import { PERIOD_S, SA_DIR, TOKEN_SECONDS, startedWorkloads, startRotationWorkloads, stopRotationWorkloads, sleep, type RotationWorkloads } from './support/rotation';

const skip = realTierUnavailable();
const GRACE_S = 120; // app-token-reload's re-read grace (REREAD_GRACE_MS)
/** Past this age (s) the judging might not end before the second rotation (about 950 s) closes the window: start afresh. */
const TOO_OLD_S = 14 * 60;

/** The last `bytes` of a file as whole lines (the shared cluster's audit log grows all day). */
function tailLines(file: string, bytes: number): string[] {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    return start > 0 ? lines.slice(1) : lines;
  } finally {
    closeSync(fd);
  }
}

interface Check { id: string; status: string; message: string; evidence: string[] }

if (skip) process.stderr.write(`real tier skipped: ${skip}\n`);

(skip ? describe.skip : describe)(`real cluster: slow lane, one real token rotation (600 s tokens)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const cluster = sharedCluster();
  let w: RotationWorkloads | undefined;
  /** Per pod: the containers' start (ms) and the token files' mtime (s) after the rotation. */
  const started = new Map<string, number>();
  const written = new Map<string, number>();
  const key = (pod: string, container: string) => `${pod}/${container}`;
  /** kubectl, retried while the API server does not answer (the shared cluster restarts it now and then). */
  const kubectl = async (args: string[]) => {
    const deadline = Date.now() + 3 * 60_000;
    for (;;) {
      try {
        return await kubectlIn(cluster().kubeconfig, args);
      } catch (e) {
        if (!/was refused|connection refused|EOF|timed out|TLS handshake|Unable to connect/i.test(String(e)) || Date.now() > deadline) throw e;
        await sleep(3000);
      }
    }
  };

  async function startedAt(pod: string, container: string): Promise<number> {
    const out = (await kubectl(['-n', w!.namespace, 'get', 'pod', pod, '-o', `jsonpath={.status.containerStatuses[?(@.name=="${container}")].state.running.startedAt}`])).stdout.trim();
    return Date.parse(out);
  }

  async function mtime(pod: string, container: string): Promise<number> {
    return Number((await kubectl(['-n', w!.namespace, 'exec', pod, '-c', container, '--', 'stat', '-L', '-c', '%Y', `${SA_DIR}/token`])).stdout.trim());
  }

  async function diagnose(pod: string, container: string): Promise<Record<string, Check>> {
    const deadline = Date.now() + 3 * 60_000;
    let r = await withEnv(cluster().kubeconfig, path.join(repo, 'dist/kubectl-satoken'),
      ['diagnose', pod, '-n', w!.namespace, '-c', container, '--audit-log', cluster().auditLog, '-o', 'json'], undefined, 180_000);
    while (/cannot reach .*connection refused/.test(r.stderr) && Date.now() < deadline) {
      await sleep(3000);
      r = await withEnv(cluster().kubeconfig, path.join(repo, 'dist/kubectl-satoken'),
        ['diagnose', pod, '-n', w!.namespace, '-c', container, '--audit-log', cluster().auditLog, '-o', 'json'], undefined, 180_000);
    }
    let parsed: { checks: Check[] };
    try {
      parsed = JSON.parse(r.stdout);
    } catch {
      throw new Error(`diagnose ${pod} -c ${container} exited ${r.code} without JSON: ${r.stderr}`);
    }
    return Object.fromEntries(parsed.checks.map((c) => [c.id, c]));
  }

  const logLines = (pod: string, container: string) => kubectl(['-n', w!.namespace, 'logs', pod, '-c', container]).then((r) => r.stdout.trim().split('\n'));
  /** The HTTP status a container's log line shows; none for a connection error (a restart of the API server). */
  const status = (l: string) => / rc=\d+ (\d{3})$/.exec(l)?.[1];

  /**
   * The re-reading containers always send a current token: a refusal shows the API server's
   * ServiceAccount settings changed meanwhile (another test file's reconfigure to a provider profile
   * whose issuer rejects these tokens), and the audit log then cannot show what the apps did.
   */
  async function expectUndisturbed(): Promise<void> {
    for (const pod of ['apart', 'shared']) {
      const refused = (await logLines(pod, 'rereads')).filter((l) => status(l) !== undefined && status(l) !== '200');
      if (refused.length > 0) {
        throw new Error(`${pod}/rereads, whose token is always current, was refused ${refused.length} time(s) (first: ${refused[0]}): the API server's ServiceAccount settings changed during the slow lane (a reconfigure by another test file?), so this run cannot judge the rotation`);
      }
    }
  }

  const all = () => [['apart', 'rereads'], ['apart', 'caches'], ['shared', 'rereads'], ['shared', 'caches']] as const;

  beforeAll(async () => {
    w = await startedWorkloads(cluster());
    if (w) process.stderr.write(`slow lane: workloads started ${Math.round((Date.now() - w.createdAt) / 1000)} s ago by the set-up (${w.namespace})\n`);
    if (w && Date.now() - w.createdAt > TOO_OLD_S * 1000) {
      process.stderr.write(`slow lane: older than ${TOO_OLD_S} s, the first rotation's window closes before judging; starting afresh\n`);
      await stopRotationWorkloads(cluster(), w);
      w = undefined;
    }
    w ??= await startRotationWorkloads(cluster());
    await kubectl(['-n', w.namespace, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=300s']);
    for (const [pod, container] of all()) started.set(key(pod, container), await startedAt(pod, container));
  }, 8 * 60_000);

  afterAll(async () => {
    if (w) await stopRotationWorkloads(cluster(), w);
  }, 5 * 60_000);

  test('slow lane: the kubelet rewrites every container\'s token file at about 80 % of the 600 s lifetime', async () => {
    const deadline = Date.now() + 12 * 60_000;
    for (const [pod, container] of all()) {
      const start = started.get(key(pod, container))!;
      let m = await mtime(pod, container);
      while (m * 1000 < start + 60_000 && Date.now() < deadline) {
        await sleep(10_000);
        m = await mtime(pod, container);
      }
      written.set(key(pod, container), m);
      const after = m - start / 1000;
      // 80 % of 600 s less up to 10 s of jitter (the first token may predate the start by a few s), and a few pod syncs to write it.
      expect({ pod, container, rotatedAfter: after > 0.8 * TOKEN_SECONDS - 60 && after < 0.8 * TOKEN_SECONDS + 120 }).toEqual({ pod, container, rotatedAfter: true });
    }
  }, 15 * 60_000);

  test('slow lane: diagnose reports the rotation from the token and its file (token-rotation)', async () => {
    for (const [pod, container] of all()) {
      const c = (await diagnose(pod, container))['token-rotation'];
      const start = started.get(key(pod, container))!;
      expect({ pod, container, status: c.status }).toEqual({ pod, container, status: 'pass' });
      // The token it judges is the rotated one: issued after the first 80 % of a lifetime, its file written then.
      const issued = Date.parse(/^issued: (\S+)/m.exec(c.evidence.join('\n'))![1]);
      const file = Date.parse(/^token file written: (\S+)/m.exec(c.evidence.join('\n'))![1]);
      expect(issued - start).toBeGreaterThan(0.8 * TOKEN_SECONDS * 1000 - 60_000);
      expect(Math.abs(file - written.get(key(pod, container))! * 1000)).toBeLessThan(1500);
      expect(c.message).toMatch(/^the token is \S+ old; the kubelet refreshes it in /);
    }
  }, 6 * 60_000);

  test('slow lane: with the audit log, app-token-reload tells the re-reading container from the caching one', async () => {
    // Wait until each container has made requests past the rotation + the re-read grace.
    const since = Math.max(...[...written.values()]) + GRACE_S;
    await sleep(Math.max(0, (since + 3 * PERIOD_S + 2) * 1000 - Date.now()));
    await expectUndisturbed();
    const verdicts: Record<string, { status: string; message: string }> = {};
    for (const [pod, container] of all()) {
      const c = (await diagnose(pod, container))['app-token-reload'];
      verdicts[key(pod, container)] = { status: c.status, message: c.message };
    }
    process.stderr.write(`slow lane: app-token-reload ${JSON.stringify(verdicts, null, 1)}\n`);
    // Tokens of their own: each container is judged by its own.
    expect(verdicts['apart/rereads']).toEqual({ status: 'pass', message: expect.stringMatching(/^this container presents its current token: .* the older token the pod presents is another container's \(caches\)$/) });
    expect(verdicts['apart/caches']).toEqual({ status: 'warn', message: expect.stringMatching(/^the app caches its token: its requests as late as .* carried a token no container of the pod holds now, though the kubelet rotated the file/) });
    // One token for both: the log cannot tell them apart, and each verdict names the other.
    expect(verdicts['shared/rereads']).toEqual({ status: 'warn', message: expect.stringMatching(/^an app of this pod caches its token, in this container or in caches \(the audit log names the pod, not the container; it holds the same token as caches/) });
    expect(verdicts['shared/caches']).toEqual({ status: 'warn', message: expect.stringMatching(/^an app of this pod caches its token, in this container or in rereads \(/) });
  }, 8 * 60_000);

  test('slow lane: once its token expired (exp + 60 s leeway) the caching container gets 401, audited with no user', async () => {
    // The first token of `caches` was issued before the container started: it expires by start + 600 s.
    const start = started.get(key('apart', 'caches'))!;
    const dead = start + (TOKEN_SECONDS + 60) * 1000;
    await sleep(Math.max(0, dead + 3 * PERIOD_S * 1000 + 2000 - Date.now()));
    await expectUndisturbed();
    const caches = await logLines('apart', 'caches');
    const rereads = await logLines('apart', 'rereads');
    const at = (line: string) => Date.parse(line.split(' ')[0]);
    // A restart of the API server shows as a connection error (no status): only statuses count.
    const before = caches.filter((l) => at(l) < dead - 90_000).map(status).filter(Boolean);
    expect(before.length).toBeGreaterThan(0);
    expect(new Set(before)).toEqual(new Set(['200']));
    const late = caches.filter((l) => at(l) > dead + 5000).map(status).filter(Boolean);
    expect(late.length).toBeGreaterThan(0);
    expect(new Set(late)).toEqual(new Set(['401']));
    expect(new Set(rereads.map(status).filter(Boolean))).toEqual(new Set(['200']));
    // kube-apiserver audits a refused token before it has a user: nothing in the event names the pod.
    const refused = tailLines(cluster().auditLog, 64 << 20)
      .filter((l) => l.includes('"satoken-rotation-apicall"') && l.includes('"code":401')).map((l) => JSON.parse(l))
      .filter((e) => Date.parse(e.requestReceivedTimestamp) > dead && e.requestURI === '/api');
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) expect(e.user?.username ?? null).toBeNull();
  }, 16 * 60_000);
});
