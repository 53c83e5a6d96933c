/**
 * The completion table of this cli, from its real command list and global flags. Evaluated at
 * build time (scripts/build.mjs bakes the JSON into the helper) and by the tests.
 */
import { COMMANDS } from '../cli/commands/index.js';
import { GLOBAL_FLAGS } from '../cli/flags.js';
import { DEFAULT_FORMATS } from '../cli/command.js';
import { completionSpec, type CompletionSpec } from './spec.js';

export function cliCompletionSpec(): CompletionSpec {
  return completionSpec(COMMANDS, GLOBAL_FLAGS, DEFAULT_FORMATS);
}
