/** `kubectl satoken decode [TOKEN]`: the token's header, claims, Kubernetes view and findings. */
import type { CliCommand, CommandOutput } from '../command.js';
import { resourceName } from '../resource-name.js';
import { decodeOptions } from '../../commands/decode/options.js';
import { run } from '../../commands/decode/run.js';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
/** A repeatable string flag: yargs gives a string once, an array when repeated. */
const list = (v: unknown) => (v === undefined ? undefined : ([] as unknown[]).concat(v).map(String));

export const decodeCommand: CliCommand = {
  // TOKEN, not token: the global --token flag (kubectl's bearer token for the API server) owns argv.token.
  command: 'decode [TOKEN]',
  describe: 'Decode a ServiceAccount token and judge it as kube-apiserver would (expiry, audience, issuer, legacy, stale)',
  examples: [
    ['kubectl satoken decode eyJhbGciOiJSUzI1NiIs...', 'decode a token given as an argument (quoted, or after "Bearer " or "token: ", is fine)'],
    ['kubectl satoken decode -f token.jwt', 'decode a token from a file'],
    ['kubectl create token app | kubectl satoken decode -', 'decode a token from stdin'],
    ['kubectl satoken decode --pod web-0 -n shop', 'the token mounted in a running pod (read with cat over exec)'],
    ['kubectl satoken decode --pod web-0 -c app --path /var/run/secrets/tokens/vault', 'a projected token at another path, in container app'],
    ['kubectl satoken decode --pod web-0 --path /var/run/secrets/eks.amazonaws.com/serviceaccount/token', 'an EKS IRSA token: named, with what it is for (not the API server)'],
    ['kubectl satoken decode --secret ci-token -n ci', 'the token of a legacy Secret (data.token)'],
    ['kubectl satoken decode -f token.jwt --verify', 'also check the signature against the cluster\'s issuer keys, and expect its issuer'],
    ['kubectl satoken decode -f token.jwt --jwks jwks.json', 'check the signature against saved keys (kubectl get --raw /openid/v1/jwks)'],
    ['kubectl satoken decode -f token.jwt --audience vault --issuer https://kubernetes.default.svc', 'say which audience and issuer the verifier expects'],
    ['kubectl satoken decode -f token.jwt --show-token -o json', 'include the whole token in the output (it is a secret)'],
  ],
  builder: (y) =>
    y
      .positional('TOKEN', { type: 'string', describe: 'The token (JWT), or - to read it from stdin' })
      .option('filename', { alias: 'f', type: 'string', describe: 'Read the token from this file (- for stdin)' })
      .option('pod', { type: 'string', describe: 'Read the token mounted in this pod (namespace from -n)' })
      .option('container', { alias: 'c', type: 'string', describe: 'With --pod: the container (default: as kubectl exec chooses)' })
      .option('path', { type: 'string', describe: 'With --pod: the token file (default /var/run/secrets/kubernetes.io/serviceaccount/token)' })
      .option('secret', { type: 'string', describe: 'Read data.token of this legacy token Secret (namespace from -n)' })
      .option('verify', { type: 'boolean', describe: 'Check the signature with the cluster\'s issuer keys (issuer discovery)' })
      .option('jwks', { type: 'string', describe: 'Check the signature with the keys in this JWKS file instead' })
      // Not `array: true`, which would swallow the positional after it; a repeated flag still gives an array.
      .option('audience', { type: 'string', describe: 'An audience the verifier expects (repeatable)' })
      .option('issuer', { type: 'string', describe: 'An issuer the verifier accepts (repeatable); with --verify default the cluster\'s' })
      .option('show-token', { type: 'boolean', describe: 'Print the whole token too (it is a secret: by default no output shows it)' }),

  async run(args, ctx): Promise<CommandOutput> {
    const opts = decodeOptions({
      // yargs re-parses positionals as `--token -`, which turns a lone `-` into ''. An empty
      // argument (decode "$UNSET") also arrives as '': reading stdin then fails with one line too.
      // After `--` (for a value that starts with -) yargs leaves the token in `_`, not in the positional.
      token: args.TOKEN === '' ? '-' : (str(args.TOKEN) ?? str((args._ as unknown[] | undefined)?.[1])),
      filename: str(args.filename),
      pod: resourceName(str(args.pod), 'pod', '--pod'),
      container: str(args.container),
      path: str(args.path),
      secret: str(args.secret),
      verify: Boolean(args.verify),
      jwks: str(args.jwks),
      audience: list(args.audience),
      issuer: list(args.issuer),
      showToken: Boolean(args['show-token']),
    });
    const outcome = await run(opts, ctx.deps);
    return { outcome, showTokens: opts.showToken };
  },
};
