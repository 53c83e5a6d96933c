/** Every subcommand, in the order `--help` lists them. */
import type { CliCommand } from '../command.js';

export const COMMANDS: CliCommand[] = [];
