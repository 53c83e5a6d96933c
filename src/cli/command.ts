/** The shape of one subcommand's cli wiring: flags → options → run → an Outcome to render. */
import type { Argv } from 'yargs';
import type { Deps, Outcome } from '../commands/types.js';
import type { ConnectionFlags } from '../kube/types.js';
import type { OutputFormat } from '../output/types.js';
import type { System } from './system.js';

export interface CliContext {
  deps: Deps;
  /** The -o value, validated against the command's formats. */
  format: string;
  flags: ConnectionFlags;
  sys: System;
}

/** What a command hands back to the cli. */
export interface CommandOutput {
  outcome: Outcome<{ kind: string }>;
  /**
   * Text to print verbatim instead of rendering the result (mint's bare token, -o kubeconfig).
   * It is exempt from token scrubbing: printing it is the purpose.
   */
  raw?: string;
  /** The user asked to see tokens (decode --show-token): rendered output is not scrubbed. */
  showTokens?: boolean;
  /** Render as this format instead of -o (e.g. mint --decode renders a TokenInspection table). */
  renderAs?: OutputFormat;
  /**
   * The job could not be done, but the result says why and is printed anyway (test-auth's `error`
   * verdict: the API server was unreachable): exit 1 instead of 0/3.
   */
  exitCode?: 1;
}

/** -o values a command accepts when it declares no `formats` (the completion table reads it too). */
export const DEFAULT_FORMATS = ['table', 'wide', 'json', 'yaml'];

export interface CliCommand {
  /** yargs command string, e.g. `decode [TOKEN]`. */
  command: string;
  describe: string;
  /** [command line, what it does] — every flag appears in at least one example. */
  examples: Array<[string, string]>;
  builder: (y: Argv) => Argv;
  /** -o values this command accepts; default table, wide, json, yaml. */
  formats?: string[];
  run(args: Record<string, unknown>, ctx: CliContext): Promise<CommandOutput>;
}
