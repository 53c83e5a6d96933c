/**
 * The fix round trip: for every demo case (on kubeadm and on each provider profile) and every
 * provider case (on its own profile), diagnose the pod, run each printed fix command as printed
 * through a real shell with the real kubectl against the emulator, find the pod that replaced it (the demo's Deployment and ReplicaSet
 * controllers re-create pods from a patched template, as on a cluster), diagnose it again: healthy.
 * A fix that is a human action outside the cluster (a cloud console) cannot run here: such cases
 * are listed in HUMAN_ACTION with the reason, and the test asserts they are still the only ones.
 */
import { exec } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { start, type Emulator } from '../apiserver';
import type { ProfileName } from '../apiserver/profiles';
import { DEMO_CASES } from '../apiserver/scenarios/demo';
import { providerCases } from '../apiserver/scenarios/providers';
import { realTierUnavailable } from '../real/gate';
import { findKubectl } from '../support/kubectl';
import { realBackend } from './demo-backends';
import { diagnoseJson } from './diagnose-support';

const sh = promisify(exec);

/**
 * Cases whose printed fix needs a person outside the cluster, and why. None today: the IRSA and
 * Azure annotations take the role and client id the app already names in its env, and a
 * placeholder (<ACCOUNT_ID>, <CLIENT_ID>) is printed only where nothing names them.
 */
const HUMAN_ACTION: Record<string, string> = {};

interface Case {
  namespace: string;
  rootCause: string | null;
  args?: string[];
  path?: string;
  /** diagnose needs the emulator's audit log (--audit-log). */
  auditLog?: true;
}

const PROFILES: Array<{ profile: ProfileName; scenarios: string; cases: Case[] }> = [
  { profile: 'kubeadm', scenarios: 'demo', cases: DEMO_CASES },
  // Each provider's demo seeds the generic cases too: their fixes must hold there as well.
  ...(['eks', 'aks', 'gke', 'k3s', 'openshift'] as const).map((profile) => ({ profile, scenarios: `demo-${profile}`, cases: [...providerCases(profile), ...DEMO_CASES] })),
];

const kubectl = findKubectl();

/** Whether a printed fix command re-creates the pod (a restart, or a change to its template). */
const restartsThePod = (f: string) => /^kubectl (delete pod|patch (deployment|statefulset|daemonset|replicaset)|set env|rollout restart)|kubectl replace --force/.test(f);

/** The running pods of a namespace (the demo runs one replica per case). */
function runningPods(k: Emulator, ns: string): Array<{ name: string; uid: string }> {
  return k.store
    .list(k.cluster.type('', 'pods'), ns)
    .items.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)
    .map((p) => ({ name: p.metadata.name, uid: p.metadata.uid ?? "" }));
}

/** The one running pod that is not `old` (by uid: a bare pod is replaced under its own name). */
async function replacement(k: Emulator, ns: string, oldUid: string): Promise<string> {
  for (let i = 0; i < 250; i++) {
    const pods = runningPods(k, ns);
    if (pods.length === 1 && pods[0].uid !== oldUid) return pods[0].name;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no replacement pod in ${ns}: running ${JSON.stringify(runningPods(k, ns))}`);
}

(kubectl ? describe : describe.skip).each(PROFILES)(`$profile: the printed fix, run as printed, ends healthy${kubectl ? '' : ' (skipped: no kubectl >= 1.28 on PATH)'}`, ({ profile, scenarios, cases }) => {
  let k: Emulator;
  let work: string;
  let auditLog: string;
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'satoken-fix-audit-'));
    auditLog = path.join(work, 'audit.log');
    k = await start({ profile, scenarios, auditLogPath: auditLog });
  }, 120_000);
  afterAll(async () => {
    await k?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const broken = cases.filter((c) => c.rootCause !== null);
  test.each(broken)('$namespace', async (c) => {
    const extra = [...(c.path ? ['--path', c.path] : []), ...(c.args ?? []), ...(c.auditLog ? ['--audit-log', auditLog] : [])];
    const [old] = runningPods(k, c.namespace);
    const before = await diagnoseJson(k, [old.name, '-n', c.namespace, ...extra], k.execEnv);
    expect(before.result.rootCause?.check).toBe(c.rootCause);
    const fix = before.result.fix as string[];
    expect(fix.length).toBeGreaterThan(0);
    // A `# …` line is a step for a person (e.g. a code change), printed as a shell comment.
    const human = fix.filter((f) => !f.startsWith('kubectl ') && !f.startsWith('# '));
    if (HUMAN_ACTION[c.namespace]) {
      expect(human.length).toBeGreaterThan(0);
      return;
    }
    expect(human).toEqual([]);
    const env = {
      ...k.execEnv,
      PATH: [k.execEnv.PATH?.split(path.delimiter)[0], process.env.PATH].filter(Boolean).join(path.delimiter),
      KUBECONFIG: k.kubeconfigPath,
      HOME: '/nonexistent',
    };
    for (const command of fix) {
      await sh(command, { shell: '/bin/sh', env, timeout: 30_000 }).catch((e: { stderr?: string }) => {
        throw new Error(`${command}\n${e.stderr ?? e}`);
      });
    }
    // A fix that re-creates the pod leaves a new one; one that changes only the cluster does not.
    const restarts = fix.some(restartsThePod);
    const now = restarts ? await replacement(k, c.namespace, old.uid) : old.name;
    const after = await diagnoseJson(k, [now, '-n', c.namespace, ...extra], k.execEnv);
    const notPassing = after.result.checks.filter((ch: { status: string }) => ch.status === 'fail' || ch.status === 'warn');
    expect(notPassing).toEqual([]);
    expect(after.result.status).toBe('healthy');
    expect(after.code).toBe(0);
  });
});

test('a fix that only buys time says so and is not the only fix printed: the caching app', async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'satoken-fix-audit-'));
  const auditLog = path.join(work, 'audit.log');
  const k = await start({ scenarios: 'demo', auditLogPath: auditLog });
  try {
    const [pod] = runningPods(k, 'diag-app-cache');
    const { result } = await diagnoseJson(k, [pod.name, '-n', 'diag-app-cache', '--audit-log', auditLog]);
    expect(result.rootCause.check).toBe('app-token-reload');
    const fix = result.fix as string[];
    expect(fix[0]).toMatch(/^# the fix is in the app: re-read \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token before each API call/);
    const restarts = fix.filter((f) => f.startsWith('kubectl '));
    expect(restarts.length).toBeGreaterThan(0);
    for (const r of restarts) expect(r).toMatch(/  # stopgap: a fresh token buys one more lifetime/);
  } finally {
    await k.stop();
    rmSync(work, { recursive: true, force: true });
  }
});

const realSkip = realTierUnavailable();

/**
 * The same round trip on a real cluster: the demo's cases applied through the API
 * (tests/real/support/demo-cluster.ts), each printed fix run as printed through `sh` with the
 * cluster's kubectl first on PATH, the rollout waited for, the new pod diagnosed: healthy.
 */
(realSkip ? describe.skip : describe)(`real cluster: the demo's printed fixes, run as printed, end healthy${realSkip ? ` (skipped: ${realSkip})` : ''}`, () => {
  const get = realBackend('real-demo-fix-');
  for (const c of DEMO_CASES.filter((x) => x.rootCause !== null)) {
    const how = c.auditLog ? ' (synthetic-time: its kubelet-rotated token volume, and the cached token past warnafter signed with the cluster\'s key, presented from the test process)' : '';
    test(`${c.namespace}: ${c.rootCause}, fixed${how}`, async () => {
      const b = get();
      await b.ready(c.namespace);
      const ns = b.ns(c.namespace);
      const extra = [...(c.args ?? []), ...(c.auditLog ? ['--audit-log', b.auditLog] : [])];
      const judge = async (pod: string) => {
        const r = await b.run(['diagnose', pod, '-n', ns, ...extra, '-o', 'json']);
        try {
          return { code: r.code, result: JSON.parse(r.stdout) };
        } catch {
          throw new Error(`diagnose printed no JSON (exit ${r.code}): ${r.stderr}${r.stdout.slice(0, 2000)}`);
        }
      };
      const old = await b.pod(c.namespace);
      const before = await judge(old);
      expect(before.result.rootCause?.check).toBe(c.rootCause);
      const fix = before.result.fix as string[];
      expect(fix.length).toBeGreaterThan(0);
      // A `# …` line is a step for a person (e.g. a code change), printed as a shell comment.
      expect(fix.filter((f) => !f.startsWith('kubectl ') && !f.startsWith('# '))).toEqual([]);
      for (const command of fix) {
        const r = await b.shell(command);
        if (r.code !== 0) throw new Error(`${command}\nexited ${r.code}: ${r.stderr}`);
      }
      let now = old;
      if (fix.some(restartsThePod)) {
        const deployment = b.demo.cases.find((x) => x.key === c.namespace)!.deployment.name;
        const rollout = await b.shell(`kubectl rollout status deployment/${deployment} -n ${ns} --timeout=300s`);
        if (rollout.code !== 0) throw new Error(`the rollout after the fix: ${rollout.stderr}`);
        const deadline = Date.now() + 120_000;
        for (;;) {
          // The old pod may linger, terminating (on a NotReady node for ever): it is not the case's pod.
          now = await b.pod(c.namespace).catch(() => old);
          if (now !== old || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 2000));
        }
        expect(now).not.toBe(old);
      }
      const after = await judge(now);
      const notPassing = after.result.checks.filter((ch: { status: string }) => ch.status === 'fail' || ch.status === 'warn');
      expect(notPassing).toEqual([]);
      expect(after.result.status).toBe('healthy');
      expect(after.code).toBe(0);
    }, 20 * 60_000);
  }
});
