/** `kubectl satoken mint SERVICEACCOUNT`: flags as `kubectl create token`, and what it leaves to do by hand. */
import type { CliCommand, CommandOutput } from '../command.js';
import { resourceName } from '../resource-name.js';
import { mintOptions } from '../../commands/mint/options.js';
import type { OutputFormat } from '../../output/types.js';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export const mintCommand: CliCommand = {
  command: 'mint [serviceaccount]',
  describe: 'Request a ServiceAccount token (as kubectl create token), decoded, as a kubeconfig, or to a file',
  examples: [
    ['kubectl satoken mint app -n shop', 'a token for ServiceAccount shop/app with the server\'s default lifetime'],
    ['kubectl satoken mint app --duration 1h --audience vault', 'a one-hour token for Vault (says so when it cannot call the Kubernetes API)'],
    ['kubectl satoken mint app --bound-object-kind Pod --bound-object-name web-0', 'a token that dies with pod web-0'],
    ['kubectl satoken mint app --bound-object-kind Secret --bound-object-name s --bound-object-uid 0d4691ed-659b-4935-a832-355f77ee47cc', 'bound to that very Secret (409 if it was recreated)'],
    ['kubectl satoken mint app --decode', 'show the new token\'s claims and findings instead of the token'],
    ['kubectl satoken mint app -o json', 'the TokenRequest object as the API returned it'],
    ['kubectl satoken mint app -o kubeconfig --output-file app.kubeconfig', 'a kubeconfig for the ServiceAccount, written with mode 0600'],
    ['kubectl satoken mint app -o kubeconfig --output-file app.kubeconfig --force', 'replace that file'],
  ],
  formats: ['table', 'wide', 'json', 'yaml', 'kubeconfig'],
  builder: (y) =>
    y
      .positional('serviceaccount', { type: 'string', describe: 'The ServiceAccount to request a token for' })
      .option('audience', {
        // Not `array: true`, which would swallow the positional after it; a repeated flag still gives an array.
        type: 'string',
        describe: 'Audience of the requested token (repeatable); default: the API server\'s audiences',
      })
      .option('duration', {
        type: 'string',
        describe: 'Requested lifetime (10m, 1h, 3600s, 24h); 0 or unset = the server\'s default',
      })
      .option('bound-object-kind', { type: 'string', describe: 'Bind the token to an object: Pod, Secret or Node' })
      .option('bound-object-name', { type: 'string', describe: 'Name of that object; the token dies with it' })
      .option('bound-object-uid', { type: 'string', describe: 'UID of that object (default: the current one\'s)' })
      .option('decode', { type: 'boolean', describe: 'Print the new token decoded (as `decode` does), not the token' })
      .option('output-file', { type: 'string', describe: 'Write the token or kubeconfig to this file (mode 0600)' })
      .option('force', { type: 'boolean', describe: 'Let --output-file replace an existing file' }),

  async run(args, ctx): Promise<CommandOutput> {
    const opts = mintOptions({
      serviceAccount: resourceName(str(args.serviceaccount), 'serviceaccount', 'mint'),
      audience: args.audience === undefined ? undefined : ([] as unknown[]).concat(args.audience).map(String),
      duration: str(args.duration),
      boundObjectKind: str(args['bound-object-kind']),
      boundObjectName: str(args['bound-object-name']),
      boundObjectUid: str(args['bound-object-uid']),
      output: str(args.output),
      decode: Boolean(args.decode),
      outputFile: str(args['output-file']),
      force: Boolean(args.force),
    });
    // Loaded when mint runs, not on every start-up (node:crypto; issue 8).
    const { runMint } = await import('../../commands/mint/run.js');
    const r = await runMint(opts, ctx.deps);
    const outcome = { result: r.inspection ?? r.tokenRequest, problem: false, notices: r.notices };
    if (r.writtenTo !== undefined) return { outcome, raw: '' };
    switch (opts.output) {
      case 'token':
        // kubectl: a newline only when printing to a terminal, so $(…) and pipes get the bare token.
        return { outcome, raw: ctx.sys.stdoutIsTTY ? `${r.token}\n` : r.token };
      case 'kubeconfig':
        return { outcome, raw: r.kubeconfig ?? '' };
      case 'json':
      case 'yaml':
        return { outcome, showTokens: true };
      case 'decode':
        return { outcome, renderAs: ctx.format as OutputFormat };
    }
  },
};
