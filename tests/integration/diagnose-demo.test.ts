/**
 * diagnose against the demo's cases, on two backends: the emulator seeded with the demo scenario, and
 * a real cluster with the same cases applied through the API (tests/real/support/demo-cluster.ts).
 * Every failure mode gets its expected root cause, status and exit code on both — a verdict that
 * differs fails — and no token leaks into the output. What only the emulator can show (its request
 * log; a cluster holding nothing but the demo) is tested on it alone, saying why.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_CASES } from '../apiserver/scenarios/demo';
import { realTierUnavailable } from '../real/gate';
import { emulatorBackend, realBackend, type DemoBackend } from './demo-backends';
import { start, type Emulator } from '../apiserver';
import { diagnose, diagnoseJson, podIn } from './diagnose-support';

const realSkip = realTierUnavailable();
if (realSkip) process.stderr.write(`real tier skipped: ${realSkip}\n`);

const BACKENDS = [
  { backend: 'emulator' as const, title: 'emulator' },
  { backend: 'real' as const, title: `real cluster${realSkip ? ` (skipped: ${realSkip})` : ''}` },
];

/** The JSON Diagnosis of one run (asserting it printed one). */
async function json(b: DemoBackend, args: string[]): Promise<{ code: number; result: any; stderr: string }> {
  const r = await b.run(['diagnose', ...args, '-o', 'json']);
  let result: any;
  try {
    result = JSON.parse(r.stdout);
  } catch {
    throw new Error(`diagnose printed no JSON (exit ${r.code}): ${r.stderr}${r.stdout.slice(0, 2000)}`);
  }
  return { code: r.code, result, stderr: r.stderr };
}

describe.each(BACKENDS)('$title: the demo cases', ({ backend }) => {
  const skip = backend === 'real' && realSkip;
  const it = skip ? test.skip : test;
  const get = skip ? (() => undefined as unknown as DemoBackend) : backend === 'emulator' ? emulatorBackend() : realBackend('real-demo-');
  // Waits for the real cluster's caching app (~11 min after its pod started), on top of the test's own time.
  const LONG = 20 * 60_000;

  for (const c of DEMO_CASES) {
    // On the real cluster the caching app's stale token is fabricated (see demo-cluster.ts).
    const how = backend === 'real' && c.auditLog ? ' (synthetic-time: its kubelet-rotated token volume, and the cached token past warnafter signed with the cluster\'s key, presented from the test process)' : '';
    it(`${c.namespace} (${c.title}): root cause ${c.rootCause ?? 'none'}, ${c.status}, exit ${c.status === 'failing' ? 3 : 0}${how}`, async () => {
      const b = get();
      await b.ready(c.namespace);
      const ns = b.ns(c.namespace);
      const pod = await b.pod(c.namespace);
      const { code, result, stderr } = await json(b, [pod, '-n', ns, ...(c.args ?? []), ...(c.auditLog ? ['--audit-log', b.auditLog] : [])]);
      const summary = { root: result.rootCause?.check ?? null, status: result.status, code, checks: result.checks.map((ch: any) => `${ch.status} ${ch.id}: ${ch.message}`), stderr };
      expect(summary).toMatchObject({ root: c.rootCause, status: c.status, code: c.status === 'failing' ? 3 : 0 });
      expect(result.kind).toBe('Diagnosis');
      expect(result.pod).toMatchObject({ namespace: ns, name: pod, serviceAccountName: 'app' });
      // Every non-passing check that is not a skip carries a fix or is explained by the root cause's fix.
      if (c.rootCause) expect(result.fix.length).toBeGreaterThan(0);
      for (const ch of result.checks) if (ch.status === 'skip') expect(ch.message).toMatch(/^(not applicable|not permitted|exec unavailable|could not fetch|unusable|not observable)/);
    }, LONG);
  }

  it('the caching app: its access time shows nothing (read-only mount), the audit log shows the stale token it presents', async () => {
    const b = get();
    await b.ready('diag-app-cache');
    const ns = b.ns('diag-app-cache');
    const pod = await b.pod('diag-app-cache');
    const reload = (r: { result: any }) => r.result.checks.find((c: { id: string }) => c.id === 'app-token-reload');
    const without = await json(b, [pod, '-n', ns]);
    // The emulator's app reads the admission-injected volume; the real one a volume of its own (demo-cluster.ts).
    expect(reload(without)).toMatchObject({ status: 'skip', message: expect.stringMatching(/^not observable from the pod: the kubelet mounts the projected volume (kube-api-access-\w+|api-token) read-only.*--audit-log FILE/) });
    expect(without.result.status).toBe('healthy');
    const withLog = await json(b, [pod, '-n', ns, '--audit-log', b.auditLog]);
    expect(reload(withLog)).toMatchObject({ status: 'warn', message: expect.stringMatching(/^the app caches its token: its requests as late as .* were audited stale-token/) });
  }, LONG);

  it('the table report names the root cause and prints no token', async () => {
    const b = get();
    const ns = b.ns('diag-audience');
    const pod = await b.pod('diag-audience');
    const r = await b.run(['diagnose', pod, '-n', ns, '--explain']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('FAIL  audience');
    expect(r.stdout).toContain('Root cause:  audience: the token\'s audiences ["vault"]');
    expect(r.stdout).toMatch(new RegExp(`Fix \\(run in this order\\):\n  kubectl patch deployment secrets-sync -n ${ns} --type json`));
    expect(r.stdout).toContain('A token is only accepted by a verifier it names in aud.');
    expect(r.stdout).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  });

  it('--no-exec: the checks that need the token skip and say why; the spec checks still run', async () => {
    const b = get();
    const ns = b.ns('diag-automount');
    const { code, result } = await json(b, [await b.pod('diag-automount'), '-n', ns, '--no-exec']);
    expect(code).toBe(3);
    expect(result.rootCause.check).toBe('automount');
    const claims = result.checks.find((c: { id: string }) => c.id === 'token-claims');
    expect(claims).toMatchObject({ status: 'skip', message: 'exec unavailable: disabled by --no-exec' });
  });

  it('a pod that does not exist: exit 1 with the API server\'s words', async () => {
    const b = get();
    const r = await b.run(['diagnose', 'nope', '-n', b.ns('diag-healthy')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*pods "nope" not found/m);
  });

  it('scan --deep: exec and TokenReview per pod find what the spec cannot show', async () => {
    const b = get();
    const ns = b.ns('diag-audience');
    const shallow = await b.run(['diagnose', '-n', ns, '-o', 'json']);
    // Judged on its spec alone, it is not called healthy; the user chose the light look, so exit 0.
    expect(JSON.parse(shallow.stdout).items[0].status).toBe('inconclusive');
    expect(JSON.parse(shallow.stdout).summary).toMatchObject({ pods: 1, healthy: 0, inconclusive: 1, specOnly: 1 });
    expect(shallow.code).toBe(0);
    const table = await b.run(['diagnose', '-n', ns]);
    expect(table.stdout).toContain('1 pod: 0 healthy, 0 degraded, 0 failing, 1 inconclusive\nall judged on the spec only');
    const deep = await b.run(['diagnose', '-n', ns, '--deep', '-o', 'json']);
    const item = JSON.parse(deep.stdout).items[0];
    expect(item.rootCause.check).toBe('audience');
    expect(deep.code).toBe(3);
  });

  it('a pod that cannot be looked into is inconclusive, never healthy: the skipped checks and the permission that runs them, exit 4', async () => {
    const b = get();
    const ns = b.ns('diag-healthy');
    const pod = await b.pod('diag-healthy');
    const as = ['--as', `system:serviceaccount:${ns}:app`];
    const r = await json(b, [pod, '-n', ns, ...as]);
    expect(r.result.status).toBe('inconclusive');
    expect(r.result.rootCause).toBeNull();
    expect(r.result.unverified).toEqual([
      expect.objectContaining({ id: 'token-claims', needs: `permission to create pods/exec in ${ns}`, byChoice: false }),
      expect.objectContaining({ id: 'token-authenticates', needs: `permission to create pods/exec in ${ns}`, byChoice: false }),
    ]);
    expect(r.code).toBe(4);
    const table = await b.run(['diagnose', pod, '-n', ns, ...as]);
    expect(table.stdout).toContain(`Status:      inconclusive`);
    expect(table.stdout).toContain(`Not run:     token-claims, token-authenticates: needs permission to create pods/exec in ${ns}`);
  });

  it('--no-exec on a sound pod: inconclusive by the user\'s choice, exit 0', async () => {
    const b = get();
    const ns = b.ns('diag-healthy');
    const r = await json(b, [await b.pod('diag-healthy'), '-n', ns, '--no-exec']);
    expect(r.result.status).toBe('inconclusive');
    expect(r.result.unverified.every((u: any) => u.byChoice && /--no-exec/.test(u.needs))).toBe(true);
    expect(r.code).toBe(0);
  });

  it('rbac: what a ServiceAccount may do is information unless --can names it; the fix is test-auth\'s', async () => {
    const b = get();
    const ns = b.ns('diag-forbidden');
    const pod = await b.pod('diag-forbidden');
    const plain = await json(b, [pod, '-n', ns]);
    expect(plain.result.status).toBe('healthy');
    expect(plain.result.checks.find((c: any) => c.id === 'rbac')).toMatchObject({ status: 'pass', message: expect.stringContaining(`may not list pods in ${ns} (information`) });
    expect(plain.code).toBe(0);
    const asked = await json(b, [pod, '-n', ns, '--can', 'list', 'pods']);
    expect(asked.result.rootCause.check).toBe('rbac');
    const auth = await b.run(['test-auth', '--pod', pod, '-n', ns, '-o', 'json']);
    const verdict = JSON.parse(auth.stdout);
    expect(verdict.verdict).toBe('forbidden');
    expect(verdict.fix).toBe(asked.result.fix.join(' && '));
  });

  it('legacy Secret mount: diagnose prints the patch migrate-legacy writes (the projected token in place of the Secret volume)', async () => {
    const b = get();
    const ns = b.ns('diag-legacy');
    const { result } = await json(b, [await b.pod('diag-legacy'), '-n', ns]);
    expect(result.rootCause.check).toBe('legacy-secret');
    const patchCommand = (result.fix as string[]).find((f) => f.startsWith('kubectl patch deployment ci-runner '));
    const printed = JSON.parse(/ -p '(.*)'$/.exec(patchCommand ?? '')![1]);
    const dir = mkdtempSync(path.join(tmpdir(), 'satoken-legacy-plan-'));
    try {
      const plan = await b.run(['migrate-legacy', '-n', ns, '--plan-dir', dir]);
      expect(plan.code).toBe(0);
      const written = JSON.parse(readFileSync(path.join(dir, ns, 'app-token', 'deployment-ci-runner.patch.json'), 'utf8'));
      expect(printed).toEqual(written);
      expect(printed.some((o: any) => o.op === 'replace' && o.value?.projected?.sources?.[0]?.serviceAccountToken)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a pod\'s token for the wrong audience: test-auth --pod prints diagnose\'s volume fix, not a token to mint', async () => {
    const b = get();
    const ns = b.ns('diag-audience');
    const pod = await b.pod('diag-audience');
    const { result } = await json(b, [pod, '-n', ns]);
    expect(result.rootCause.check).toBe('audience');
    const auth = await b.run(['test-auth', '--pod', pod, '-n', ns, '-o', 'json']);
    const verdict = JSON.parse(auth.stdout);
    expect(verdict.verdict).toBe('unauthenticated');
    expect(verdict.fix).not.toMatch(/kubectl create token/);
    expect(verdict.fix).toBe(result.fix.join(' && '));
  });

  it('scan --deep where exec is withheld: inconclusive pods counted with the permission they need, exit 4', async () => {
    const b = get();
    const ns = b.ns('diag-healthy');
    const as = ['--as', `system:serviceaccount:${ns}:app`];
    const r = await b.run(['diagnose', '-n', ns, '--deep', ...as, '-o', 'json']);
    expect(JSON.parse(r.stdout).summary).toMatchObject({ pods: 1, healthy: 0, inconclusive: 1, specOnly: 0 });
    expect(r.code).toBe(4);
    const table = await b.run(['diagnose', '-n', ns, '--deep', ...as]);
    expect(table.stdout).toContain(`inconclusive: 1 pod needs permission to create pods/exec in ${ns}\n`);
  });
});

describe('emulator only: its request log, and a cluster that holds nothing but the demo and a kubeadm kube-system', () => {
  // The emulated apps of the demo's and the other scenarios' pods make requests of their own
  // meanwhile: only those with the plugin's user agent (src/kube/transport.ts) are diagnose's.
  const diagnoses = (r: { userAgent?: string }) => r.userAgent?.startsWith('kubectl-satoken/') === true;
  let k: Emulator;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'satoken-demo-audit-'));
    k = await start({ scenarios: 'demo', auditLogPath: path.join(work, 'audit.log') });
  });
  afterAll(async () => {
    await k.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('one pod: no request repeated, at most 11 requests besides the access questions, exec once (emulator only: counted in its request log)', async () => {
    const ns = 'diag-healthy';
    const pod = podIn(k, ns);
    const before = k.requests.length;
    const { result } = await diagnoseJson(k, [pod, '-n', ns, '--can', 'watch', 'pods', '--can', 'get', 'pods']);
    expect(result.status).toBe('healthy');
    const made = k.requests.slice(before).filter(diagnoses).map((r) => `${r.method} ${r.path.split('?')[0]}`);
    const reviews = made.filter((m) => /selfsubjectaccessreviews$/.test(m));
    // Three access reviews (list, watch and get pods) are three questions, not a repeat.
    expect(reviews).toHaveLength(3);
    const others = made.filter((m) => !/selfsubjectaccessreviews$/.test(m));
    expect(new Set(others).size).toBe(others.length);
    expect(made.filter((m) => m.endsWith('/exec'))).toHaveLength(1);
    // 11: the control-plane pods are looked for in kube-system and openshift-kube-apiserver (issue 14).
    expect(others.length).toBeLessThanOrEqual(11);
  });
  test('scan of all namespaces: a row per unhealthy demo pod, from LISTs only (emulator only: its request log; a real cluster, shared, holds other namespaces)', async () => {
    const before = k.requests.length;
    const r = await diagnose(k, ['-A', '-o', 'json']);
    const list = JSON.parse(r.stdout);
    expect(list.kind).toBe('DiagnosisList');
    const byNs = new Map(list.items.map((i: any) => [i.pod.namespace, i]));
    // Spec-level checks only: the failures visible without the token.
    expect((byNs.get('diag-automount') as any).rootCause.check).toBe('automount');
    expect((byNs.get('diag-sa-deleted') as any).rootCause.check).toBe('serviceaccount-exists');
    expect((byNs.get('diag-expired') as any).rootCause.check).toBe('node-ready');
    expect((byNs.get('diag-legacy') as any).rootCause.check).toBe('legacy-secret');
    // Its token was never read: not healthy, inconclusive, and the summary says so.
    expect((byNs.get('diag-healthy') as any).status).toBe('inconclusive');
    expect((byNs.get('diag-healthy') as any).unverified.map((u: any) => [u.id, u.needs])).toEqual([
      ['token-claims', '--deep'],
      ['token-authenticates', '--deep'],
    ]);
    expect(list.items.some((i: any) => i.status === 'healthy')).toBe(false);
    expect(list.summary.pods).toBe(list.items.length);
    expect(list.summary.specOnly).toBe(list.items.length);
    expect(list.summary.inconclusive).toBe(list.items.filter((i: any) => i.status === 'inconclusive').length);
    expect(r.code).toBe(3);
    const made = k.requests.slice(before).filter(diagnoses);
    expect(made.every((q) => q.method === 'GET')).toBe(true);
    expect(made.filter((q) => /\/pods\/[^/?]+/.test(q.path))).toEqual([]);
    expect(made.map((q) => q.path.split('?')[0])).toEqual(
      expect.arrayContaining(['/api/v1/pods', '/api/v1/serviceaccounts', '/api/v1/secrets', '/api/v1/nodes', '/api/v1/events']),
    );
    expect(made.length).toBeLessThanOrEqual(6);
  });
  test('scan -A --deep: no pod warns or fails rbac for rights nobody asked for (coredns, kube-proxy) (emulator only: the real cluster runs neither)', async () => {
    const r = await diagnose(k, ['-A', '--deep', '-o', 'json']);
    const items = JSON.parse(r.stdout).items;
    const rbac = items.map((i: any) => [i.pod.namespace, i.checks.find((c: any) => c.id === 'rbac')?.status]);
    expect(rbac.filter(([, st]: [string, string]) => st === 'warn' || st === 'fail')).toEqual([]);
    const system = items.filter((i: any) => i.pod.namespace === 'kube-system' && i.checks.find((c: any) => c.id === 'rbac')?.status === 'pass');
    // coredns and kube-proxy run as ServiceAccounts without a Role in their namespace: information only.
    expect(system.map((i: any) => i.pod.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^coredns-/), expect.stringMatching(/^kube-proxy-/)]));
  });
});
