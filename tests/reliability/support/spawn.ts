/**
 * Runs the built bundle as a user would (its own process, its own environment), with its peak
 * resident set size read at exit (tests/support/record-maxrss.cjs) and the time it took. A run that
 * outlives `killAfterMs` is killed (SIGKILL) and reported with code null: a test then fails on the
 * code rather than hanging.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NODE24, ROOT } from '../../support/bundle';
import { bundle } from './bundle';

export interface BundleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak RSS in MiB (0 when the process was killed before it could say). */
  maxRssMiB: number;
  ms: number;
}

const RECORDER = path.join(ROOT, 'tests', 'support', 'record-maxrss.cjs');

export async function runBundle(
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string; killAfterMs?: number } = {},
): Promise<BundleRun> {
  const work = mkdtempSync(path.join(tmpdir(), 'satoken-run-'));
  const rssFile = path.join(work, 'maxrss');
  const t0 = Date.now();
  const child = spawn(NODE24, ['--require', RECORDER, bundle(), ...args], {
    env: { PATH: path.dirname(NODE24), HOME: work, NO_COLOR: '1', SATOKEN_MAXRSS_OUT: rssFile, ...opts.env },
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.stdin !== undefined) {
    // The plugin may stop reading (a cap) and exit before it has all of it.
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.stdin);
  }
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout.length < 1 << 20 ? (stdout += c.toString('utf8')) : undefined));
  child.stderr!.on('data', (c: Buffer) => (stderr.length < 1 << 20 ? (stderr += c.toString('utf8')) : undefined));
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(killer);
  const ms = Date.now() - t0;
  let maxRssMiB = 0;
  try {
    maxRssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  } catch {
    // killed before its exit hook ran
  }
  rmSync(work, { recursive: true, force: true });
  return { code, stdout, stderr, maxRssMiB, ms };
}

/** Why a run is not one clean failure: a stack trace, minified source, or more than one `error:` line. */
export function oneCleanErrorLine(r: BundleRun): string {
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  if (/^\s+at /m.test(r.stderr)) return `a stack trace:\n${r.stderr.slice(0, 2000)}`;
  if (r.stderr.length > 4000) return `${r.stderr.length} bytes on stderr:\n${r.stderr.slice(0, 2000)}`;
  if (errors.length !== 1) return `${errors.length} error lines:\n${r.stderr.slice(0, 2000)}`;
  return 'one error line';
}
