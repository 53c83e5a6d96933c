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
  // The flags below override the kubeconfig's fields as kubectl's do (client-go
  // tools/clientcmd/client_config.go, getCluster and getAuthInfo); src/kube/overrides.ts applies them.
  server: {
    alias: 's',
    type: 'string',
    describe: 'The address of the API server (works without a kubeconfig)',
    example: '-s https://10.0.0.1:6443',
  },
  token: {
    type: 'string',
    describe: 'Bearer token for the API server (the kubeconfig\'s exec plugin is then not run)',
    example: '--token "$(cat token)"',
  },
  'certificate-authority': {
    type: 'string',
    describe: 'Path to a CA certificate file for the API server (replaces the kubeconfig\'s CA)',
    example: '--certificate-authority ca.crt',
  },
  'client-certificate': { type: 'string', describe: 'Path to a client certificate file for TLS', example: '--client-certificate me.crt' },
  'client-key': { type: 'string', describe: 'Path to a client key file for TLS', example: '--client-key me.key' },
  'insecure-skip-tls-verify': {
    type: 'boolean',
    describe: "Do not check the server's certificate (an error together with --certificate-authority, as in kubectl)",
    example: '--insecure-skip-tls-verify',
  },
  'tls-server-name': {
    type: 'string',
    describe: "Server name to check the server's certificate against (default: the server's host name)",
    example: '--tls-server-name kubernetes.default.svc',
  },
  'cache-dir': {
    type: 'string',
    describe: "kubectl's discovery cache directory; accepted so kubectl command lines work, unused (no discovery is read)",
    example: '--cache-dir ~/.kube/cache',
  },
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
  'as-uid': { type: 'string', describe: 'UID to impersonate (needs --as)', example: '--as-uid 0b2c9f3e-5f3a-4d5e-9d1c-2a7b1e1c2f3d' },
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
  // kubectl's -v/--v (klog levels as client-go's round_trippers.go and rest/request.go use them).
  v: {
    type: 'number',
    describe:
      'Log level (-v=N or --v=N): 6 each request (method, URL, status, latency), 7 and request headers, 8 and response headers and bodies, 9 longer bodies; credentials and tokens redacted',
    example: '-v=6',
  },
  debug: {
    type: 'boolean',
    describe: 'Show stack traces on errors, and log each request as -v=6 does',
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
