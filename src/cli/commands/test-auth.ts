/** `kubectl satoken test-auth`: does this token authenticate, and may it do what it needs? 401 versus 403, proven. */
import type { CliCommand, CommandOutput } from '../command.js';
import { resourceName } from '../resource-name.js';
import { testAuthOptions } from '../../commands/test-auth/options.js';
import { runTestAuth } from '../../commands/test-auth/run.js';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
/** A repeatable string flag: yargs gives a string once, an array when repeated. */
const list = (v: unknown) => (v === undefined ? undefined : ([] as unknown[]).concat(v).map(String));

export const testAuthCommand: CliCommand = {
  // TOKEN, not token: the global --token flag (kubectl's bearer token for the API server) owns argv.token.
  command: 'test-auth [TOKEN]',
  describe: 'Prove against the API server whether a token authenticates (401) and what RBAC lets it do (403)',
  examples: [
    ['kubectl satoken test-auth --pod web-0 -n shop', 'test the token mounted in pod web-0'],
    ['kubectl satoken test-auth --pod web-0 -c app --path /var/run/secrets/tokens/vault --audience vault', 'a projected token for Vault, in container app'],
    ['kubectl satoken test-auth -f token.jwt --can list pods --can get secrets', 'may it list pods and get secrets in its namespace?'],
    ['kubectl satoken test-auth --can patch deployments.apps/scale -f token.jwt', 'a subresource of a resource in an API group'],
    ['kubectl create token app | kubectl satoken test-auth -', 'a token from stdin'],
    ['kubectl satoken test-auth eyJhbGciOiJSUzI1NiIs...', 'a token given as an argument'],
    ['kubectl satoken test-auth --secret app-token -n shop', 'the token of a legacy Secret'],
    ['kubectl satoken test-auth --mint app -n shop -o json', 'a fresh token for ServiceAccount shop/app, result as JSON'],
  ],
  builder: (y) =>
    y
      .positional('TOKEN', { type: 'string', describe: 'The token (JWT), or - to read it from stdin' })
      .option('filename', { alias: 'f', type: 'string', describe: 'Read the token from this file (- for stdin)' })
      .option('pod', { type: 'string', describe: 'Test the token mounted in this pod (namespace from -n)' })
      .option('container', { alias: 'c', type: 'string', describe: 'With --pod: the container (default: as kubectl exec chooses)' })
      .option('path', { type: 'string', describe: 'With --pod: the token file (default /var/run/secrets/kubernetes.io/serviceaccount/token)' })
      .option('secret', { type: 'string', describe: 'Test data.token of this legacy token Secret (namespace from -n)' })
      .option('mint', { type: 'string', describe: 'Test a fresh token for this ServiceAccount (namespace from -n)' })
      .option('audience', { type: 'string', describe: 'Test for this audience instead of the API server\'s (repeatable)' })
      .option('can', { type: 'string', nargs: 2, describe: 'VERB RESOURCE[/SUBRESOURCE]: ask whether the token may (repeatable)' }),

  async run(args, ctx): Promise<CommandOutput> {
    const opts = testAuthOptions({
      // yargs turns a lone `-` positional into '' (as decode's wiring notes): that is stdin.
      token: args.TOKEN === '' ? '-' : str(args.TOKEN),
      filename: str(args.filename),
      pod: resourceName(str(args.pod), 'pod', '--pod'),
      container: str(args.container),
      path: str(args.path),
      secret: str(args.secret),
      mint: str(args.mint),
      audience: list(args.audience),
      can: list(args.can),
    });
    const outcome = await runTestAuth(opts, ctx.deps);
    return { outcome, ...(outcome.result.verdict === 'error' ? { exitCode: 1 as const } : {}) };
  },
};
