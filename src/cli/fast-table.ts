/**
 * Build time only (scripts/build.mjs bundles and runs this, as it does the completion table): the
 * answers of the real parser that the launcher's fast path (fast-path.ts) looks up.
 */
import { PassThrough } from 'node:stream';
import { DEFAULT_FORMATS, type CliCommand } from './command.js';
import { CLI_COMMANDS } from './commands/index.js';
import { NODE_VERSION, TOKEN_PLACEHOLDER, type FastTable } from './fast-path.js';
import { parseArgv, runCli } from './run.js';
import type { System } from './system.js';

/** Command lines that only print: help for the cli and for each command, and the version. */
export function textLines(commands: CliCommand[] = CLI_COMMANDS): string[][] {
  const names = commands.map((c) => c.command.split(' ')[0]!);
  return [['--help'], ['-h'], ['--version'], ...names.flatMap((n) => [[n, '--help'], [n, '-h']])];
}

/** `decode TOKEN`, and with each -o format decode takes. */
export function decodeLines(commands: CliCommand[] = CLI_COMMANDS): string[][] {
  const decode = commands.find((c) => c.command.split(' ')[0] === 'decode');
  if (!decode) return [];
  return [['decode', TOKEN_PLACEHOLDER], ...(decode.formats ?? DEFAULT_FORMATS).map((f) => ['decode', TOKEN_PLACEHOLDER, '-o', f])];
}

export async function computeFastTable(commands: CliCommand[] = CLI_COMMANDS): Promise<FastTable> {
  const table: FastTable = { texts: {}, decode: {} };
  for (const args of textLines(commands)) {
    const r = await capture(args, commands);
    // Only what prints and succeeds; anything else (an error, a warning) stays with yargs.
    if (r.code === 0 && r.stderr === '') table.texts[args.join('\u0000')] = r.stdout;
  }
  for (const args of decodeLines(commands)) {
    const parsed = await parseArgv(args, commands, NODE_VERSION);
    if (parsed.argv && !parsed.error && parsed.output === undefined) table.decode[args.join('\u0000')] = plain(parsed.argv);
  }
  return table;
}

/** The argv as data (yargs' object may carry undefined values, which JSON would drop anyway). */
function plain(argv: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(argv)) as Record<string, unknown>;
}

async function capture(args: string[], commands: CliCommand[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const sys: System = {
    env: {},
    nodeVersion: NODE_VERSION,
    stdout,
    stderr,
    stdin: new PassThrough().end(),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    signal: new AbortController().signal,
  };
  const code = await runCli(args, sys, commands);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
