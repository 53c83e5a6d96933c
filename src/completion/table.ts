/**
 * The completion table of this cli, from its real command list and global flags. Evaluated at
 * build time (scripts/build.mjs bakes the JSON into the helper) and by the tests.
 */
import { COMMANDS } from '../cli/commands/index.js';
import { GLOBAL_FLAGS } from '../cli/flags.js';
import { DEFAULT_FORMATS } from '../cli/command.js';
import { BOUND_OBJECT_KINDS } from '../commands/mint/options.js';
import { completionSpec, type CompletionSpec } from './spec.js';

/** Values of flags that their command checks itself (no yargs `choices`), from those very checks. */
const FLAG_VALUES: Record<string, readonly string[]> = {
  'bound-object-kind': Object.keys(BOUND_OBJECT_KINDS),
};

export function cliCompletionSpec(): CompletionSpec {
  return completionSpec(COMMANDS, GLOBAL_FLAGS, DEFAULT_FORMATS, FLAG_VALUES);
}
