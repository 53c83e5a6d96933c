/**
 * No output leaks a token. Every command, in every format, with and without --debug, runs across
 * the emulator's demo scenarios (one namespace per failure mode); no stdout, stderr or written file
 * may hold the signature or the whole of any token the emulator issued (legacy Secrets, projected
 * tokens in pods, every TokenRequest — recorded by wrapping its signing key) or the test minted —
 * except what the user asked for: mint's token output and decode --show-token. The files that
 * must hold a token (mint --output-file, migrate-legacy backups of Secrets) are mode 0600.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../../apiserver';
import { DEMO_CASES } from '../../apiserver/scenarios/demo';
import { cli, type CliRun } from '../../support/cli';
import { makeBoundToken } from '../../support/tokens';

/**
 * The sweep as a suite, for a share of the output variants (two test files split them, so that each
 * stays short); `withFiles` adds the written-files checks.
 */
export function sweepSuite(variants: string[][], withFiles: boolean): void {
  let k: Emulator;
  let work: string;
  /** Every token seen anywhere: issued by the emulator or made by this test. */
  const tokens = new Set<string>();

  function collectIssued(): void {
    for (const s of k.store.list(k.cluster.type('', 'secrets'), undefined).items as any[]) {
      if (s.data?.token) tokens.add(Buffer.from(s.data.token, 'base64').toString('utf8'));
    }
    for (const p of k.store.list(k.cluster.type('', 'pods'), undefined).items as any[]) {
      for (const cached of k.kubelet.cachedTokens(p.metadata.namespace, p.metadata.name).values()) {
        for (const c of cached) tokens.add(c.tokenRequest.status.token);
      }
    }
  }

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'satoken-sweep-'));
    k = await start({ scenarios: 'demo', auditLogPath: path.join(work, 'audit.log') });
    // Every token the emulator signs from now on (TokenRequests, kubelet rotation, mint, test-auth --mint).
    const keys = k.host.keys;
    const sign = keys.sign.bind(keys);
    keys.sign = (claims) => {
      const t = sign(claims);
      tokens.add(t);
      return t;
    };
    collectIssued();
  }, 60_000);
  afterAll(async () => {
    await k?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Pods of the demo, as [namespace, name]. */
  function pods(): Array<[string, string]> {
    return (k.store.list(k.cluster.type('', 'pods'), undefined).items as any[])
      .filter((p) => DEMO_CASES.some((c) => c.namespace === p.metadata.namespace))
      .map((p) => [p.metadata.namespace, p.metadata.name]);
  }

  interface Checked {
    args: string[];
    run: CliRun;
    /** The run may print tokens on stdout (the user asked for them). */
    stdoutExempt?: boolean;
  }
  const runs: Checked[] = [];

  async function satoken(args: string[], o: { stdin?: string; stdoutExempt?: boolean } = {}): Promise<CliRun> {
    const run = await cli([...args, '--request-timeout', '5s'], { kubeconfig: k.kubeconfigPath, clock: () => k.clock.now(), stdin: o.stdin });
    runs.push({ args, run, stdoutExempt: o.stdoutExempt });
    return run;
  }

  /** The secret parts of a token: the whole of it and its signature. */
  function secretParts(): string[] {
    return [...tokens].flatMap((t) => [t, t.split('.')[2]]).filter((p) => p && p.length >= 20);
  }

  function leaks(text: string): string[] {
    return secretParts().filter((p) => text.includes(p)).map((p) => `${p.slice(0, 12)}…(${p.length} chars)`);
  }

  describe('secrets sweep over the demo scenarios', () => {
    test('every command × format × --debug: no token or signature in any output', async () => {
      const demoPods = pods();
      expect(demoPods.length).toBeGreaterThanOrEqual(DEMO_CASES.length);
      {
        for (const f of variants) {
          for (const [ns, pod] of demoPods) {
            await satoken(['diagnose', pod, '-n', ns, ...f]);
            await satoken(['decode', '--pod', pod, '-n', ns, ...f]);
            await satoken(['test-auth', '--pod', pod, '-n', ns, ...f]);
          }
          for (const c of DEMO_CASES) {
            await satoken(['diagnose', '-n', c.namespace, ...f]);
            await satoken(['test-auth', '--mint', 'app', '-n', c.namespace, ...f]);
            await satoken(['mint', 'app', '-n', c.namespace, '--decode', ...f]);
          }
          await satoken(['diagnose', '-A', '--deep', ...f]);
          await satoken(['migrate-legacy', '-A', ...f]);
          await satoken(['decode', '--secret', 'app-token', '-n', 'diag-legacy', '--verify', ...f]);
          await satoken(['test-auth', '--secret', 'app-token', '-n', 'diag-legacy', ...f]);
          await satoken(['audit', '--log', path.join(work, 'audit.log'), ...f]);
          // Tokens handed in: argument, stdin, a file; also one the cluster never issued.
          const mine = makeBoundToken();
          tokens.add(mine);
          const file = path.join(work, 'token.jwt');
          writeFileSync(file, mine);
          await satoken(['decode', mine, ...f]);
          await satoken(['decode', '-', ...f], { stdin: [...tokens][0] });
          await satoken(['decode', '-f', file, '--verify', ...f]);
          await satoken(['test-auth', mine, ...f]);
          await satoken(['test-auth', '-f', file, '--can', 'list', 'pods', ...f]);
          // Malformed: the error line must not quote it either.
          await satoken(['decode', '-', ...f], { stdin: `${mine.slice(0, -5)}!!!!!` });
        }
      }
      // The exempt ones: mint prints its token; decode --show-token was asked to.
      for (const o of [[], ['-o', 'json'], ['-o', 'yaml'], ['-o', 'kubeconfig']]) await satoken(['mint', 'app', '-n', 'diag-healthy', ...o, '--debug'], { stdoutExempt: true });
      await satoken(['decode', '--pod', demoPods[0][1], '-n', demoPods[0][0], '--show-token', '-o', 'json', '--debug'], { stdoutExempt: true });
      collectIssued();

      expect(tokens.size).toBeGreaterThan(20);
      const found: string[] = [];
      for (const r of runs) {
        for (const l of leaks(r.run.stderr)) found.push(`${r.args.join(' ')}: stderr has ${l}`);
        if (!r.stdoutExempt) for (const l of leaks(r.run.stdout)) found.push(`${r.args.join(' ')}: stdout has ${l}`);
      }
      expect(found).toEqual([]);
      // The exempt runs did print a token (so the check above could see one).
      const exempt = runs.filter((r) => r.stdoutExempt);
      expect(exempt.filter((r) => leaks(r.run.stdout).length === 0).map((r) => `${r.args.join(' ')} → ${r.run.code} ${r.run.stdout.slice(0, 300)} ${r.run.stderr}`)).toEqual([]);
      // And the sweep ran for real: most runs succeeded or found a problem, few failed.
      expect(runs.filter((r) => r.run.code === 0 || r.run.code === 3).length).toBeGreaterThan(runs.length / 2);
    }, 180_000);

    if (withFiles) test('written files: the plan has no token; mint --output-file and Secret backups are 0600', async () => {
      const planDir = path.join(work, 'plan');
      const backupDir = path.join(work, 'backup');
      const kubeconfigOut = path.join(work, 'minted.kubeconfig');
      const tokenOut = path.join(work, 'minted.token');
      await satoken(['migrate-legacy', '-A', '--plan-dir', planDir]);
      await satoken(['migrate-legacy', '-n', 'diag-legacy', '--apply', '--yes', '--backup-dir', backupDir, '--debug']);
      await satoken(['mint', 'app', '-n', 'diag-healthy', '-o', 'kubeconfig', '--output-file', kubeconfigOut]);
      await satoken(['mint', 'app', '-n', 'diag-healthy', '--output-file', tokenOut]);
      collectIssued();
      const files = (dir: string): string[] =>
        existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)])) : [];
      const planFiles = files(planDir);
      expect(planFiles.length).toBeGreaterThan(0);
      for (const f of planFiles) expect({ f, leaks: leaks(readFileSync(f, 'utf8')) }).toEqual({ f, leaks: [] });
      for (const f of [kubeconfigOut, tokenOut, ...files(backupDir)]) {
        expect({ f, mode: (statSync(f).mode & 0o777).toString(8) }).toEqual({ f, mode: '600' });
      }
      expect(leaks(readFileSync(tokenOut, 'utf8')).length).toBeGreaterThan(0);
      for (const r of runs.slice(-4)) {
        expect(leaks(r.run.stderr)).toEqual([]);
        expect(leaks(r.run.stdout)).toEqual([]);
      }
    }, 60_000);
  });
}
