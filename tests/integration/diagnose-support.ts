/**
 * Runs `kubectl satoken diagnose` in-process against the emulator, as a user would from a shell:
 * argv, a kubeconfig in KUBECONFIG, the emulator's clock, captured stdout/stderr and exit code.
 * Only the diagnose command is wired, so another command's work in progress cannot break these tests.
 */
import { PassThrough } from 'node:stream';
import { diagnoseCommand } from '../../src/cli/commands/diagnose';
import { runCli } from '../../src/cli/run';
import type { System } from '../../src/cli/system';
import type { Emulator } from '../apiserver';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function diagnose(k: Emulator, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c) => out.push(Buffer.from(c)));
  stderr.on('data', (c) => err.push(Buffer.from(c)));
  const stdin = new PassThrough();
  stdin.end('');
  const sys: System = {
    env: { KUBECONFIG: k.kubeconfigPath, HOME: '/nonexistent', NO_COLOR: '1', ...env },
    nodeVersion: process.versions.node,
    stdout,
    stderr,
    stdin,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: true,
    signal: new AbortController().signal,
    clock: () => k.clock.now(),
  };
  const code = await runCli(['diagnose', ...args], sys, [diagnoseCommand]);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** The JSON Diagnosis of one run (asserting it printed one). */
export async function diagnoseJson(k: Emulator, args: string[]): Promise<{ code: number; result: any; stderr: string }> {
  const r = await diagnose(k, [...args, '-o', 'json']);
  let result: any;
  try {
    result = JSON.parse(r.stdout);
  } catch {
    throw new Error(`diagnose printed no JSON (exit ${r.code}): ${r.stderr}${r.stdout}`);
  }
  return { code: r.code, result, stderr: r.stderr };
}

/** The first pod of a namespace (scenario pods have generated names). */
export function podIn(k: Emulator, namespace: string): string {
  const pods = k.store.list(k.cluster.type('', 'pods'), namespace).items;
  if (!pods.length) throw new Error(`no pod in ${namespace}`);
  return pods[0].metadata.name;
}
