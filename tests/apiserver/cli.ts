/**
 * `npm run cluster -- --kubeconfig PATH [--profile kubeadm|eks|gke|aks|k3s|openshift] [--identity admin|viewer] [--port N] [--scenarios demo|none] [--objects FILE ...]
 *  [--latency-ms N] [--issuer URL ...] [--api-audiences A,B] [--extend-token-expiration true|false]
 *  [--max-token-expiration-seconds N] [--audit-log PATH] [--now RFC3339]`
 * Prints `ready https://127.0.0.1:PORT` once it accepts requests, then, for profiles whose kubeconfig
 * runs a credential plugin, `env FILE`: a shell file to source (PATH with the stand-in plugins, their
 * credentials). Runs until SIGINT/SIGTERM.
 */
import { start, StartOptions } from './index';
import { isProfileName, PROFILE_NAMES } from './profiles';
import { expandScenarios, scenarioClockSeconds } from './scenarios';

/** `npm run cluster -- --help`: the flags tests/apiserver/README.md documents. */
export const USAGE = `Usage: npm run cluster -- --kubeconfig PATH [flags]

Starts the Kubernetes API server emulator, writes an admin kubeconfig to PATH, prints
\`ready https://127.0.0.1:PORT\` (and \`env FILE\` for profiles whose kubeconfig runs a credential
plugin), and runs until SIGINT/SIGTERM.

Flags:
  --kubeconfig PATH                   where to write the kubeconfig (required)
  --profile NAME                      the provider imitated: ${PROFILE_NAMES.join(', ')} (default kubeadm)
  --identity admin|viewer             who the kubeconfig authenticates as (default admin)
  --provider-version V                the provider version where behaviour changed (OpenShift 4.15/4.16)
  --port N                            listen port (default 0: any free port)
  --scenarios NAME[,NAME]             seed scenarios or groups (demo, healthy, audit, none; repeatable);
                                      with --profile, demo is that profile's demo
  --objects FILE ...                  load objects (YAML or a JSON List) at start, without admission
  --latency-ms N                      add N ms to every request
  --issuer URL                        --service-account-issuer, repeatable (the first signs)
  --api-audiences A,B                 --api-audiences
  --extend-token-expiration true|false  --service-account-extend-token-expiration (default true)
  --max-token-expiration-seconds N    --service-account-max-token-expiration
  --audit-log PATH                    write audit.k8s.io/v1 Events (JSON lines) to PATH
  --now RFC3339                       where the emulated clock starts (default: now, less the time
                                      the scenarios move it on)
  -h, --help                          print this help
`;

export function parseArgs(argv: string[]): StartOptions & { kubeconfigPath: string } {
  const o: StartOptions = {};
  const objects: string[] = [];
  const issuers: string[] = [];
  const scenarios: string[] = [];
  let kubeconfigPath = '';
  const take = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const value = () => (inline !== undefined ? inline : take(i++, a));
    switch (a) {
      case '--kubeconfig':
        kubeconfigPath = value();
        break;
      case '--profile': {
        const v = value();
        if (!isProfileName(v)) throw new Error(`--profile must be one of ${PROFILE_NAMES.join(', ')} (got "${v}")`);
        o.profile = v;
        break;
      }
      case '--identity': {
        const v = value();
        if (v !== 'admin' && v !== 'viewer') throw new Error(`--identity must be admin or viewer (got "${v}")`);
        o.identity = v;
        break;
      }
      case '--provider-version':
        o.providerVersion = value();
        break;
      case '--port':
        o.port = Number(value());
        break;
      case '--scenarios':
        scenarios.push(...value().split(','));
        break;
      case '--objects':
        objects.push(value());
        // Further bare arguments are more files (`--objects a.yaml b.yaml`).
        while (inline === undefined && argv[i + 1] && !argv[i + 1].startsWith('--')) objects.push(argv[++i]);
        break;
      case '--latency-ms':
        o.latencyMs = Number(value());
        break;
      case '--issuer':
        issuers.push(value());
        break;
      case '--api-audiences':
        o.apiAudiences = value().split(',').filter(Boolean);
        break;
      case '--extend-token-expiration': {
        const v = value();
        if (v !== 'true' && v !== 'false') throw new Error('--extend-token-expiration must be true or false');
        o.extendTokenExpiration = v === 'true';
        break;
      }
      case '--max-token-expiration-seconds':
        o.maxTokenExpirationSeconds = Number(value());
        break;
      case '--audit-log':
        o.auditLogPath = value();
        break;
      case '--now': {
        // The emulated clock's start (RFC 3339): the diagnose demo starts it in the past, so that
        // after its scenario moves time on, the emulator's now is the wall clock's again.
        const d = new Date(value());
        if (Number.isNaN(d.getTime())) throw new Error('--now must be an RFC 3339 time');
        o.now = d;
        break;
      }
      default:
        throw new Error(`unknown flag ${a}`);
    }
  }
  if (!kubeconfigPath) throw new Error('--kubeconfig PATH is required');
  if (objects.length) o.objects = objects;
  if (issuers.length) o.issuers = issuers;
  const named = scenarios.filter((s) => s !== 'none');
  // Resolved here: an unknown name is a one-line usage error, not a stack trace from start().
  if (named.length) o.scenarios = expandScenarios(named, o.profile);
  // Some scenarios move the emulated clock on while seeding (tokens age and rotate). Without --now,
  // start it that much in the past, so that the emulator's now is the wall clock's once it is ready:
  // otherwise every token it issues is "not yet valid" to the plugin, which judges tokens by this
  // machine's clock (a new user's first `decode` exited 3).
  const elapsed = named.length ? scenarioClockSeconds(named, o.profile) : 0;
  if (o.now === undefined && elapsed > 0) o.now = new Date(Date.now() - elapsed * 1000);
  return { ...o, kubeconfigPath };
}

export async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const emulator = await start(opts);
  process.stdout.write(`ready ${emulator.url}\n`);
  if (emulator.execEnvFile) process.stdout.write(`env ${emulator.execEnvFile}\n`);
  const shutdown = () => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
