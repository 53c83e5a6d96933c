/** `kubectl satoken options`: the global flags, as `kubectl options` lists kubectl's. */
import type { CliCommand, CommandOutput } from '../command.js';
import { GLOBAL_FLAGS } from '../flags.js';
import { DEFAULT_HELP_WIDTH, optionsText } from '../help-text.js';

export const optionsCommand: CliCommand = {
  command: 'options',
  describe: 'Print the list of flags inherited by all commands',
  examples: [['kubectl satoken options', 'every global flag, with an example of each']],
  builder: (y) => y,
  async run(_args, ctx): Promise<CommandOutput> {
    const text = optionsText(GLOBAL_FLAGS, ctx.sys.columns ?? DEFAULT_HELP_WIDTH);
    return { outcome: { result: { kind: 'Options' }, problem: false, notices: [] }, raw: text };
  },
};
