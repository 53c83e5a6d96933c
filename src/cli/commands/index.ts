/** Every subcommand, in the order `--help` lists them. */
import type { CliCommand } from '../command.js';
import { migrateLegacyCommand } from './migrate-legacy.js';
import { mintCommand } from './mint.js';

export const COMMANDS: CliCommand[] = [
  mintCommand,
  migrateLegacyCommand,
];
