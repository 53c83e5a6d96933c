/**
 * Runs the cli in-process against the emulator, as a user would from a shell: argv, a kubeconfig
 * in KUBECONFIG, captured stdout/stderr, the exit code. Shared by the mint and test-auth
 * integration tests. Only these two commands are wired (the full list is the e2e tests' business),
 * so another command's work in progress cannot break these tests.
 */
import { PassThrough } from 'node:stream';
import { mintCommand } from '../../src/cli/commands/mint';
import { testAuthCommand } from '../../src/cli/commands/test-auth';
import { runCli } from '../../src/cli/run';
import type { System } from '../../src/cli/system';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], opts: { kubeconfig: string; stdin?: string; stdoutIsTTY?: boolean; env?: Record<string, string>; clock?: () => Date }): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c) => out.push(Buffer.from(c)));
  stderr.on('data', (c) => err.push(Buffer.from(c)));
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  const sys: System = {
    env: { KUBECONFIG: opts.kubeconfig, HOME: '/nonexistent', NO_COLOR: '1', ...opts.env },
    nodeVersion: process.versions.node,
    stdout,
    stderr,
    stdin,
    stdoutIsTTY: opts.stdoutIsTTY ?? false,
    stderrIsTTY: false,
    stdinIsTTY: opts.stdin === undefined,
    signal: new AbortController().signal,
    clock: opts.clock,
  };
  const code = await runCli(args, sys, [mintCommand, testAuthCommand]);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
