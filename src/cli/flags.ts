/**
 * kubectl's global flags, declared once: this table drives the parser, the help text and the
 * README's flag list (as npm-check-updates does with its options table).
 */
import type { Options } from 'yargs';

export interface FlagSpec extends Options {
  /** An example for the help text, as the user would type it. */
  example: string;
}

export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  kubeconfig: {
    type: 'string',
    describe: 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged, else ~/.kube/config)',
    example: '--kubeconfig ~/.kube/prod',
  },
  context: { type: 'string', describe: 'The kubeconfig context to use', example: '--context kind-dev' },
  cluster: { type: 'string', describe: 'The kubeconfig cluster to use', example: '--cluster prod' },
  user: { type: 'string', describe: 'The kubeconfig user to use', example: '--user admin' },
  namespace: {
    alias: 'n',
    type: 'string',
    describe: 'Namespace (default: the context\'s, else "default")',
    example: '-n kube-system',
  },
  'request-timeout': {
    type: 'string',
    default: '30s',
    describe: 'How long to wait for one request to the API server (0 = no limit)',
    example: '--request-timeout 10s',
  },
  as: { type: 'string', describe: 'Username to impersonate', example: '--as system:serviceaccount:ns:app' },
  'as-group': {
    type: 'string',
    array: true,
    describe: 'Group to impersonate (repeatable)',
    example: '--as-group system:masters',
  },
  output: {
    alias: 'o',
    type: 'string',
    describe: 'Output format: table, wide, json or yaml',
    example: '-o json',
  },
  // Declared as `color`, as diagnose's `exec`: yargs reads `--no-color` as color=false, and a flag
  // named `no-color` made strict mode refuse it ("Unknown argument: color").
  color: {
    type: 'boolean',
    default: true,
    describe: 'Colour on a terminal (--no-color, or NO_COLOR set: never)',
    example: '--no-color',
  },
  debug: {
    alias: 'v',
    type: 'boolean',
    describe: 'Log requests and show stack traces on errors',
    example: '--debug',
  },
};

/** Parses kubectl's duration form: `30s`, `1m`, `1h30m`, `500ms`, a bare number of seconds, `0`. Returns ms. */
export function parseDuration(text: string, flag: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1e3 : m[2] === 'm' ? n * 6e4 : n * 3.6e6;
    matched = re.lastIndex;
  }
  if (t === '' || matched !== t.length) {
    throw new Error(`invalid ${flag} "${text}" (use a duration such as 10s, 5m, 1h)`);
  }
  return total;
}
