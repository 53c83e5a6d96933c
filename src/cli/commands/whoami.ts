/** `kubectl satoken whoami`: who the cluster says you are, as `kubectl auth whoami` asks it. */
import type { CliCommand, CommandOutput } from '../command.js';
import { runWhoami } from '../../commands/whoami/run.js';

export const whoamiCommand: CliCommand = {
  command: 'whoami',
  describe: "Who the API server says the kubeconfig's user is (kubectl auth whoami), and which credential it used",
  examples: [
    ['kubectl satoken whoami', 'user, UID, groups and extras, as kubectl auth whoami prints them'],
    ['kubectl satoken whoami -o json', 'the same as JSON, with the context, server and credential kind'],
    ['kubectl satoken whoami --token "$(kubectl create token app)" -s https://10.0.0.1:6443 --certificate-authority ca.crt', 'who a token is, without a kubeconfig'],
    ['kubectl satoken whoami --as jane --as-group dev -v=6', 'impersonating, with each request logged'],
  ],
  builder: (y) => y,
  async run(args, ctx): Promise<CommandOutput> {
    return { outcome: await runWhoami(ctx.deps, ctx.flags.as) };
  },
};
