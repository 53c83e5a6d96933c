/** Every subcommand that does a job, in the order `--help` lists them. */
import type { CliCommand } from '../command.js';
import { decodeCommand } from './decode.js';
import { diagnoseCommand } from './diagnose.js';
import { auditCommand } from './audit.js';
import { migrateLegacyCommand } from './migrate-legacy.js';
import { mintCommand } from './mint.js';
import { testAuthCommand } from './test-auth.js';
import { whoamiCommand } from './whoami.js';
import { optionsCommand } from './options.js';

export const COMMANDS: CliCommand[] = [
  diagnoseCommand,
  decodeCommand,
  testAuthCommand,
  mintCommand,
  migrateLegacyCommand,
  auditCommand,
  whoamiCommand,
];

/**
 * What the parser knows: the commands above, which do a job (each has its RBAC role, its README
 * entry, its completion), and `options`, which only prints the global flags (kubectl options).
 */
export const CLI_COMMANDS: CliCommand[] = [...COMMANDS, optionsCommand];
