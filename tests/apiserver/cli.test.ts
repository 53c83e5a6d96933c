/** `npm run cluster` flags: where the emulated clock starts. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from './cli';
import { DEMO_ELAPSED_SECONDS } from './scenarios/demo';

test('--scenarios demo without --now starts the clock in the past by what the scenario advances, so that its now is the wall clock', () => {
  const before = Date.now();
  const o = parseArgs(['--kubeconfig', '/tmp/x/config', '--scenarios', 'demo']);
  const after = Date.now();
  const start = o.now!.getTime();
  expect(start).toBeGreaterThanOrEqual(before - DEMO_ELAPSED_SECONDS * 1000);
  expect(start).toBeLessThanOrEqual(after - DEMO_ELAPSED_SECONDS * 1000);
});

test('an explicit --now wins; without the demo scenario the clock starts at the wall clock (no now)', () => {
  expect(parseArgs(['--kubeconfig', 'k', '--scenarios', 'demo', '--now', '2026-01-02T03:04:05Z']).now).toEqual(new Date('2026-01-02T03:04:05Z'));
  expect(parseArgs(['--kubeconfig', 'k']).now).toBeUndefined();
  expect(parseArgs(['--kubeconfig', 'k', '--scenarios', 'none']).now).toBeUndefined();
});

test('--profile P --scenarios demo seeds that profile\'s demo (its provider cases and the generic ones), in either flag order', () => {
  for (const argv of [
    ['--kubeconfig', 'k', '--profile', 'aks', '--scenarios', 'demo'],
    ['--kubeconfig', 'k', '--scenarios', 'demo', '--profile', 'aks'],
  ]) {
    expect(parseArgs(argv).scenarios).toEqual(['healthy', 'provider-aks', 'diagnose-demo']);
  }
  expect(parseArgs(['--kubeconfig', 'k', '--scenarios', 'demo']).scenarios).toEqual(['healthy', 'diagnose-demo']);
});

test('the clock starts in the past by what the scenarios move it on, whatever names them (demo-aks alone too)', () => {
  for (const scenarios of ['demo-aks', 'diagnose-demo', 'healthy,diagnose-demo']) {
    const before = Date.now();
    const start = parseArgs(['--kubeconfig', 'k', '--scenarios', scenarios]).now!.getTime();
    expect(start).toBeGreaterThanOrEqual(before - DEMO_ELAPSED_SECONDS * 1000 - 60_000);
    expect(start).toBeLessThanOrEqual(Date.now() - DEMO_ELAPSED_SECONDS * 1000);
  }
  // Scenarios that leave the clock alone leave it at the wall clock.
  expect(parseArgs(['--kubeconfig', 'k', '--scenarios', 'healthy,audit']).now).toBeUndefined();
});

describe('scripts/cluster.mjs as a user runs it', () => {
  const ROOT = path.resolve(__dirname, '..', '..');
  const cluster = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'cluster.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

  test('--help prints its flags and exits 0', () => {
    const r = cluster('--help');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const flag of ['--kubeconfig PATH', '--profile NAME', '--scenarios NAME', '--now RFC3339', '--audit-log PATH']) expect(r.stdout).toContain(flag);
  }, 120_000);

  test('an unknown scenario is one line naming the known ones, exit 2, no stack trace', () => {
    const r = cluster('--kubeconfig', path.join(ROOT, '.tmp', 'never-written'), '--scenarios', 'demo,nope');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: unknown scenario "nope" \(known: [^\n]*\)\n$/);
    for (const known of ['demo', 'healthy', 'audit', 'demo-aks', 'none']) expect(r.stderr).toMatch(new RegExp(`[ (]${known}[,)]`));
  }, 120_000);
});

test('npm run demo -- --once --profile aks: the AKS cases, valid tokens, and no invitation to an emulator that has stopped', () => {
  const ROOT = path.resolve(__dirname, '..', '..');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'demo.mjs'), '--once', '--profile', 'aks'], { cwd: ROOT, encoding: 'utf8', timeout: 280_000, env: { ...process.env, NO_COLOR: '1' } });
  expect(r.status).toBe(0);
  // An AKS case came first, seeded by `--profile aks --scenarios demo`.
  expect(r.stdout).toMatch(/━━━ 1\/\d+ workload identity/);
  expect(r.stdout).not.toMatch(/not (yet )?valid( yet)?/);
  expect(r.stdout).not.toMatch(/running emulator/);
  expect(r.stdout).toMatch(/The emulator has stopped \(--once\)/);
}, 300_000);
