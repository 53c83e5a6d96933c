/**
 * The profile × scenario matrix (issue 14), one test file per profile: one emulator of that profile
 * seeded with its demo (the generic cases + the provider's, scenarios/providers/), one of its viewer
 * identity (issuer discovery forbidden), the built plugin `dist/kubectl-satoken` run through the real
 * kubectl on PATH with the profile's kubeconfig (exec stand-ins first on PATH, as the real tools are).
 *
 * Cells: `kubectl auth whoami` and the plugin's own requests are the same user (the emulator's
 * request log names who each request authenticated as); every case's root cause and fix; a scan;
 * diagnose as a user who may not read issuer discovery. A case with a `path` is diagnosed with
 * `--path` (a token no env variable names).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import type { ProfileName } from '../apiserver/profiles';
import { DEMO_CASES, DEMO_ELAPSED_SECONDS, type DemoCase } from '../apiserver/scenarios/demo';
import { providerCases, type ProviderCase } from '../apiserver/scenarios/providers';
import { cleanPath, ensureBundle } from '../support/bundle';
import { findKubectl } from '../support/kubectl';
import { judgeDiagnosis } from './judge';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const USER_AGENT_PLUGIN = /satoken/i;

export function profileMatrix(profile: ProfileName): void {
  const missing = findKubectl() ? undefined : 'no kubectl >= 1.28 on PATH';
  if (missing) process.stdout.write(`matrix/${profile}: skipped (${missing})\n`);
  const suite = missing ? describe.skip : describe;

  suite(`${profile}: the built plugin and kubectl with the ${profile} kubeconfig`, () => {
    let k: Emulator;
    let viewer: Emulator;
    let work: string;
    let PATH: string;
    beforeAll(async () => {
      ensureBundle();
      work = mkdtempSync(path.join(tmpdir(), `satoken-matrix-${profile}-`));
      PATH = cleanPath(work);
      // The demo moves the emulated clock on while seeding: start it that far back, so that the plugin
      // (wall clock) and the emulator agree once it is ready, as `npm run demo` does.
      [k, viewer] = await Promise.all([
        // An audit log: which token an app presents shows only there (DemoCase.auditLog).
        start({ profile, scenarios: `demo-${profile}`, now: new Date(Date.now() - DEMO_ELAPSED_SECONDS * 1000), auditLogPath: path.join(work, 'audit.log') }),
        start({ profile, identity: 'viewer', scenarios: 'healthy' }),
      ]);
    }, 120_000);
    afterAll(async () => {
      await Promise.all([k?.stop(), viewer?.stop()]);
      if (work) rmSync(work, { recursive: true, force: true });
    });

    function kubectl(e: Emulator, args: string[]): Promise<Run> {
      // The stand-in plugins' folder (execEnv.PATH's first entry), then dist/, Node 24 and kubectl only:
      // the machine's PATH holds a Node 20 the bundle refuses.
      const env = { ...e.execEnv, PATH: [e.execEnv.PATH?.split(path.delimiter)[0], PATH].filter(Boolean).join(path.delimiter), HOME: work, KUBECONFIG: e.kubeconfigPath, NO_COLOR: '1' };
      return new Promise((resolve) => {
        execFile('kubectl', args, { env, timeout: 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
        );
      });
    }
    const satoken = (e: Emulator, args: string[]) => kubectl(e, ['satoken', ...args]);
    const podIn = (ns: string) => {
      const pods = k.store.list(k.cluster.type('', 'pods'), ns).items;
      if (!pods.length) throw new Error(`no pod in ${ns}`);
      return pods[0].metadata.name;
    };

    test('kubectl auth whoami and the plugin authenticate as the same user, the profile\'s', async () => {
      for (const e of [k, viewer]) {
        const who = await kubectl(e, ['auth', 'whoami', '-o', 'json']);
        expect(who).toMatchObject({ code: 0, stderr: '' });
        const username = JSON.parse(who.stdout).status.userInfo.username;
        expect(username).toBe(e.profile.kubeconfig.identities[e === k ? 'admin' : 'viewer'].username);
        const before = e.requests.length;
        const r = await satoken(e, ['diagnose', '-n', 'demo-healthy', '-o', 'json']);
        // The viewer may not list secrets or nodes: warnings, never an error.
        expect(r.stderr).not.toMatch(/^error:/m);
        expect(r.code).toBe(0);
        const made = e.requests.slice(before).filter((q) => USER_AGENT_PLUGIN.test(q.userAgent));
        expect(made.length).toBeGreaterThan(0);
        expect([...new Set(made.map((q) => q.user))]).toEqual([username]);
      }
    });

    const cases: Array<DemoCase | ProviderCase> = [...providerCases(profile), ...DEMO_CASES];
    describe.each(cases)('$namespace: $title', (c) => {
      const p = 'path' in c ? c.path : undefined;
      test(`root cause ${c.rootCause ?? 'none'}, ${c.status}${p ? ` (--path ${p})` : ''}`, async () => {
        const audit = 'auditLog' in c && c.auditLog ? ['--audit-log', path.join(work, 'audit.log')] : [];
        const r = await satoken(k, ['diagnose', podIn(c.namespace), '-n', c.namespace, '-o', 'json', ...(p ? ['--path', p] : []), ...(('args' in c && c.args) || []), ...audit]);
        // Where the control plane is managed, no fix edits kube-apiserver.
        judgeDiagnosis(c, r, { managed: k.profile.controlPlane === 'none' });
      });
    });

    test('a scan of every namespace names the spec-level failures', async () => {
      const r = await satoken(k, ['diagnose', '-A', '-o', 'json']);
      expect(r.code).toBe(3);
      const byNs = new Map(JSON.parse(r.stdout).items.map((i: any) => [i.pod.namespace, i]));
      expect((byNs.get('diag-automount') as any).rootCause.check).toBe('automount');
      expect((byNs.get('diag-legacy') as any).rootCause.check).toBe('legacy-secret');
    });

    test('discovery forbidden to the user: diagnose still judges the pod and names what it could not read', async () => {
      const who = await kubectl(viewer, ['get', '--raw', '/.well-known/openid-configuration']);
      expect(who.code).toBe(1);
      expect(who.stderr).toContain('Forbidden');
      const pods = viewer.store.list(viewer.cluster.type('', 'pods'), 'demo-healthy').items;
      const r = await satoken(viewer, ['diagnose', pods[0].metadata.name, '-n', 'demo-healthy', '-o', 'json']);
      expect(r.stderr).toBe('');
      const d = JSON.parse(r.stdout);
      expect(d.kind).toBe('Diagnosis');
      // The viewer may not exec into pods: the token checks skip, saying why; nothing fails, yet
      // nothing proves the token works: inconclusive, naming the permission, exit 4.
      expect(d.status).toBe('inconclusive');
      expect(d.unverified.map((u: any) => u.needs)).toContain('permission to create pods/exec in demo-healthy');
      expect(r.code).toBe(4);
      for (const ch of d.checks) if (ch.status === 'skip') expect(ch.message).toMatch(/^(not applicable|not permitted|exec unavailable|could not fetch|unusable)/);
    });
  });
}
