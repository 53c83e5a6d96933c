/**
 * The cli: parses argv with yargs (the only place that imports it) and hands the chosen command
 * to execute.ts, which runs and renders it.
 */
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { render } from '../output/render.js';
import { oneLine, stderrWriter } from '../output/stderr.js';
import { COMMIT, VERSION } from '../version.js';
import { DEFAULT_FORMATS, type CliCommand } from './command.js';
import { completionSpec } from '../completion/spec.js';
import { CLI_COMMANDS } from './commands/index.js';
import { execute, reportError, wantsDebug } from './execute.js';
import { GLOBAL_FLAGS } from './flags.js';
import { DEFAULT_HELP_WIDTH, helpTail } from './help-text.js';
import { unknownCommandText, unknownFlagText } from './suggest.js';
import type { System } from './system.js';

const SCRIPT = 'kubectl satoken';

/** The parser, without handlers: we dispatch ourselves so that commands stay async and testable. */
export function buildParser(args: string[], commands: CliCommand[] = CLI_COMMANDS, nodeVersion = 'unknown', width = DEFAULT_HELP_WIDTH): Argv {
  let y = yargs(args)
    .scriptName(SCRIPT)
    .usage(`${SCRIPT} — why a pod's ServiceAccount token does not work, and how to fix it\n\nUsage: ${SCRIPT} <command> [flags]`)
    .version(`kubectl-satoken ${VERSION} (commit ${COMMIT}, node ${nodeVersion})`)
    .help('help')
    .alias('help', 'h')
    .strict()
    .exitProcess(false)
    // kubectl speaks English whatever LANG says; and the fast path's texts (fast-path.ts) must not depend on it.
    .locale('en')
    .wrap(width)
    .showHelpOnFail(false)
    .demandCommand(1, 'a command is required (see kubectl satoken --help)');
  for (const [name, spec] of Object.entries(GLOBAL_FLAGS)) {
    // Help pages list a command's own flags; the global ones are listed once, by `options` (as
    // `kubectl options`), which helpTail points at.
    const { example: _example, ...opt } = spec;
    y = y.option(name, { ...opt, global: true, hidden: true });
  }
  // Examples and the closing lines are appended by runCli (helpTail): yargs would wrap a long
  // example command mid-line, and it could not be copied.
  for (const c of commands) y = y.command(c.command, c.describe, (sub) => c.builder(sub));
  return y;
}

export interface Parsed {
  argv?: Record<string, unknown>;
  /** Help or version text yargs produced instead of parsing. */
  output?: string;
  error?: Error;
}

/** yargs' answer for `args`: argv, or the help/version text it printed, or its error. */
export function parseArgv(args: string[], commands: CliCommand[], nodeVersion: string, width = DEFAULT_HELP_WIDTH): Promise<Parsed> {
  return new Promise((resolve) => {
    buildParser(args, commands, nodeVersion, width).parse(args, {}, (err: Error | undefined, argv: Record<string, unknown>, output: string) => {
      resolve({ argv, output: output || undefined, error: err ?? undefined });
    });
  });
}

/** Runs the cli once; returns the exit code. Never throws. */
export async function runCli(args: string[], sys: System, commands: CliCommand[] = CLI_COMMANDS): Promise<number> {
  const debug = wantsDebug(args);
  try {
    const width = sys.columns ?? DEFAULT_HELP_WIDTH;
    const parsed = await parseArgv(args, commands, sys.nodeVersion, width);
    if (parsed.error) {
      const names = commands.map((c) => c.command.split(' ')[0]!);
      const first = (parsed.argv?._ as unknown[] | undefined)?.[0];
      // Point at the help of the command that was typed, when one was.
      const typed = commands.find((c) => c.command.split(' ')[0] === String(first));
      const help = typed ? `${SCRIPT} ${typed.command.split(' ')[0]} --help` : `${SCRIPT} --help`;
      const text =
        first !== undefined && !typed
          ? unknownCommandText(String(first), names)
          : unknownFlag(args, typed ? typed.command.split(' ')[0]! : undefined, commands);
      if (text !== undefined) {
        // cobra's lines as kubectl prints them: the error, a blank line, the suggestions.
        sys.stderr.write(`error: ${text}${text.endsWith('\n') ? '' : '\n'}hint: see '${help}'\n`);
        return 2;
      }
      throw new UsageError(oneLine(parsed.error.message), `see '${help}'`);
    }
    if (parsed.output !== undefined) {
      let text = parsed.output.endsWith('\n') ? parsed.output : parsed.output + '\n';
      // Help (not --version): the examples and closing lines, for the command it is about.
      if (args.includes('--help') || args.includes('-h')) {
        const about = (parsed.argv?._ as unknown[] | undefined)?.[0];
        text += helpTail(commands.find((c) => c.command.split(' ')[0] === String(about)), width);
      }
      sys.stdout.write(text);
      return 0;
    }
    const argv = parsed.argv!;
    const name = String((argv._ as unknown[])[0]);
    const command = commands.find((c) => c.command.split(' ')[0] === name);
    if (!command) throw new UsageError(`unknown command "${name}"`, `see '${SCRIPT} --help'`);
    return await execute(command, argv, sys, debug, render);
  } catch (e) {
    return reportError(e, debug, stderrWriter((text) => sys.stderr.write(text)));
  }
}

/**
 * The first long flag on the command line that neither `command` nor kubectl's global flags know,
 * as pflag's error with suggestions; undefined when every flag is known (the error is another).
 * yargs' own message would name the flag twice, once as its internal camelCase alias.
 */
function unknownFlag(args: string[], command: string | undefined, commands: CliCommand[]): string | undefined {
  const spec = completionSpec(commands, GLOBAL_FLAGS, DEFAULT_FORMATS);
  const flags = [...spec.globalFlags, ...(spec.commands.find((c) => c.name === command)?.flags ?? [])];
  const known = new Set(['help', 'version']);
  const booleans = new Set<string>();
  for (const f of flags) {
    for (const n of [f.name, ...f.aliases]) {
      known.add(n);
      if (!f.takesValue) booleans.add(n);
    }
  }
  for (const a of args) {
    if (a === '--') break;
    if (!a.startsWith('--')) continue;
    const name = a.slice(2).split('=')[0]!;
    const negated = name.startsWith('no-') && booleans.has(name.slice(3));
    if (!known.has(name) && !negated) {
      return unknownFlagText(name, [...new Set(flags.filter((f) => f.name.length > 1).map((f) => f.name))]);
    }
  }
  return undefined;
}
