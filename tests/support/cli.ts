/**
 * Runs the cli in-process as a user would from a shell: argv, a kubeconfig in KUBECONFIG, captured
 * stdout/stderr, the exit code — through the real parser, commands, output layer and error mapping.
 * `commands` narrows the command list (default: all of them).
 */
import { PassThrough } from 'node:stream';
import type { CliCommand } from '../../src/cli/command';
import { runCli } from '../../src/cli/run';
import type { System } from '../../src/cli/system';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  kubeconfig?: string;
  /** Piped stdin; undefined = a terminal with nothing piped. */
  stdin?: string;
  stdoutIsTTY?: boolean;
  /** A terminal on stdin and stderr even with `stdin` given (what --apply's question needs). */
  terminal?: boolean;
  env?: Record<string, string>;
  /** The wall clock the cli sees (default: real time). */
  clock?: () => Date;
  signal?: AbortSignal;
  commands?: CliCommand[];
}

export async function cli(args: string[], opts: CliRunOptions = {}): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c) => out.push(Buffer.from(c)));
  stderr.on('data', (c) => err.push(Buffer.from(c)));
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  const sys: System = {
    env: { ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}), HOME: '/nonexistent', NO_COLOR: '1', ...opts.env },
    nodeVersion: process.versions.node,
    stdout,
    stderr,
    stdin,
    stdoutIsTTY: opts.stdoutIsTTY ?? false,
    stderrIsTTY: opts.terminal ?? false,
    stdinIsTTY: opts.terminal ?? opts.stdin === undefined,
    signal: opts.signal ?? new AbortController().signal,
    clock: opts.clock,
  };
  const code = await runCli(args, sys, ...(opts.commands ? [opts.commands] : []));
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
