/**
 * The kubeconfig's exec credential plugin (users[].user.exec), run as client-go runs it — not as
 * client-node 2.0.1's ExecAuth does, which ignores interactiveMode, provideClusterInfo and
 * installHint, sends no KUBERNETES_EXEC_INFO, checks neither apiVersion nor kind, never refreshes
 * on 401, swallows the plugin's stderr, and spawns it unbounded (a plugin waiting for a browser
 * login hung every command).
 *
 * Upstream: kubernetes/kubernetes staging/src/k8s.io/client-go/plugin/pkg/client/auth/exec/exec.go
 * (newAuthenticator, isInteractive, refreshCredsLocked, wrapCmdRunErrorLocked, roundTripper.RoundTrip),
 * rest/exec.go ConfigToExecCluster (the cluster sent with provideClusterInfo), and
 * tools/clientcmd/validation.go validateAuthInfo (the messages for a bad exec stanza).
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { OperationError } from '../errors.js';
import { formatBytes, LIMITS } from '../limits.js';
import { formatDuration } from './errormap.js';

/** The exec stanza as the kubeconfig holds it (clientcmd api.ExecConfig). */
export interface ExecConfig {
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  apiVersion: string;
  installHint?: string;
  /** Never, IfAvailable or Always (v1beta1 defaults to IfAvailable; v1 must say). */
  interactiveMode: 'Never' | 'IfAvailable' | 'Always';
  provideClusterInfo: boolean;
}

/** clientauthentication Cluster: what provideClusterInfo hands the plugin (JSON names as upstream). */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  /** Base64, as Go encodes a []byte. */
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  /** The cluster's `client.authentication.k8s.io/exec` extension. */
  config?: unknown;
}

/** What one plugin run gave. */
export interface ExecCredentials {
  token?: string;
  certPem?: string;
  keyPem?: string;
  /** status.expirationTimestamp in ms; undefined = valid until a 401 says otherwise. */
  expiresAt?: number;
}

/** The versions client-go accepts (v1alpha1 was removed in 1.24). */
const API_VERSIONS = ['client.authentication.k8s.io/v1beta1', 'client.authentication.k8s.io/v1'];

/** client-go's installHintVerboseHelp, verbatim. */
export const INSTALL_HINT_HELP =
  'It looks like you are trying to use a client-go credential plugin that is not installed. To learn more about this feature, consult the documentation available at: https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins';

type Fields = Record<string, unknown>;

/**
 * Checks an exec stanza with clientcmd's validateAuthInfo messages and applies its defaults
 * (clientcmd/api/v1 defaults.go: interactiveMode IfAvailable for v1beta1 only).
 */
export function readExecConfig(userName: string, raw: unknown): ExecConfig {
  const bad = (what: string) => new OperationError(what, 'fix users[].user.exec in the kubeconfig');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad(`user "${userName}": exec is not a mapping`);
  const e = raw as Fields;
  const command = typeof e.command === 'string' ? e.command : '';
  if (command === '') throw bad(`command must be specified for ${userName} to use exec authentication plugin`);
  const apiVersion = typeof e.apiVersion === 'string' ? e.apiVersion : '';
  if (apiVersion === '') throw bad(`apiVersion must be specified for ${userName} to use exec authentication plugin`);
  if (!API_VERSIONS.includes(apiVersion)) throw bad(`exec plugin: invalid apiVersion "${apiVersion}"`);
  const env: ExecConfig['env'] = [];
  for (const v of Array.isArray(e.env) ? e.env : []) {
    const name = (v as Fields | null)?.name;
    if (typeof name !== 'string' || name === '') throw bad(`env variable name must be specified for ${userName} to use exec authentication plugin`);
    env.push({ name, value: String((v as Fields).value ?? '') });
  }
  let mode = typeof e.interactiveMode === 'string' ? e.interactiveMode : '';
  if (mode === '' && apiVersion.endsWith('/v1beta1')) mode = 'IfAvailable';
  if (mode === '') throw bad(`interactiveMode must be specified for ${userName} to use exec authentication plugin`);
  if (mode !== 'Never' && mode !== 'IfAvailable' && mode !== 'Always') throw bad(`invalid interactiveMode for ${userName}: "${mode}"`);
  return {
    command,
    args: Array.isArray(e.args) ? e.args.map(String) : [],
    env,
    apiVersion,
    installHint: typeof e.installHint === 'string' && e.installHint !== '' ? cleanControlCodes(e.installHint) : undefined,
    interactiveMode: mode,
    provideClusterInfo: e.provideClusterInfo === true,
  };
}

/** client-go's cleanANSIEscapeCodes: control characters other than \t..\r shown as U+XXXX. */
function cleanControlCodes(s: string): string {
  return [...s].map((c) => (/[\p{Cc}\p{Cf}\p{Co}\p{Cn}]/u.test(c) && !/[\t-\r]/.test(c) ? `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : c)).join('');
}

export interface ExecRunDeps {
  /** The process environment the plugin inherits (client-go: os.Environ() then exec.env). */
  env: Record<string, string | undefined>;
  stdinIsTerminal: boolean;
  /** The command reads stdin itself (ExecConfig.StdinUnavailable). */
  stdinUnavailable: boolean;
  /** Where the plugin's stderr goes: the user's terminal, as kubectl does (a device-code login prints there). */
  stderr?: NodeJS.WritableStream;
  cluster?: ExecClusterInfo;
  /** Bounds each run (0 = none); the run is killed a little before, so the error names the plugin. */
  timeoutMs: number;
  signal: AbortSignal;
  now: () => number;
  spawn?: (command: string, args: string[], options: SpawnOptions) => ChildProcess;
}

/** One exec stanza's credentials, cached in-process until expirationTimestamp (client-go's Authenticator). */
export class ExecAuthenticator {
  private cached: ExecCredentials | undefined;
  private running: Promise<ExecCredentials> | undefined;
  /** Plugin runs so far (tests count them; client-go exports the same as a metric). */
  runs = 0;

  constructor(
    readonly config: ExecConfig,
    private readonly deps: ExecRunDeps,
  ) {}

  /** getCreds: the cached credentials unless expired, else one run shared by concurrent callers. */
  async get(): Promise<ExecCredentials> {
    const c = this.cached;
    // credsExpired: a.now().After(a.exp), with no expiry meaning "until a 401".
    if (c && (c.expiresAt === undefined || this.deps.now() <= c.expiresAt)) return c;
    return this.refresh();
  }

  /** maybeRefreshCreds after a 401: runs the plugin again unless someone already did. */
  async unauthorized(used: ExecCredentials): Promise<void> {
    if (used !== this.cached) return;
    this.cached = undefined;
  }

  private refresh(): Promise<ExecCredentials> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<ExecCredentials> {
    const { config, deps } = this;
    let interactive: boolean;
    if (config.interactiveMode === 'Never') interactive = false;
    else if (config.interactiveMode === 'IfAvailable') interactive = !deps.stdinUnavailable && deps.stdinIsTerminal;
    else {
      const why = !deps.stdinIsTerminal ? 'standard input is not a terminal' : deps.stdinUnavailable ? 'standard input is unavailable' : undefined;
      if (why) {
        throw new OperationError(`getting credentials: exec plugin cannot support interactive mode: ${why}`, `the kubeconfig's plugin "${config.command}" has interactiveMode: Always; run from a terminal, without reading a token from stdin`);
      }
      interactive = true;
    }
    const spec: Fields = { interactive };
    if (config.provideClusterInfo && deps.cluster) spec.cluster = deps.cluster;
    // Go's struct order: cluster before interactive.
    const execInfo = JSON.stringify({ kind: 'ExecCredential', apiVersion: config.apiVersion, spec: spec.cluster ? { cluster: spec.cluster, interactive } : { interactive } });
    const env: Record<string, string | undefined> = { ...deps.env };
    for (const v of config.env) env[v.name] = v.value;
    env.KUBERNETES_EXEC_INFO = execInfo;

    this.runs++;
    const out = await this.spawnPlugin(env, interactive);
    const creds = parseExecCredential(out, config);
    const old = this.cached;
    this.cached = creds;
    if (old && (old.certPem !== creds.certPem || old.keyPem !== creds.keyPem)) this.onCertRotated?.();
    return creds;
  }

  /** Told when a new client certificate replaces the old one (client-go closes its connections then). */
  onCertRotated?: () => void;

  private spawnPlugin(env: Record<string, string | undefined>, interactive: boolean): Promise<string> {
    const { config, deps } = this;
    const spawn = deps.spawn ?? nodeSpawn;
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(config.command, config.args, { env, stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'] });
      } catch (e) {
        return reject(runFailure(config, e as NodeJS.ErrnoException));
      }
      let stdout = '';
      let size = 0;
      let timedOut = false;
      let tooLarge = false;
      let settled = false;
      const decoder = new StringDecoder('utf8');
      child.stdout?.on('data', (d: Buffer) => {
        size += d.length;
        if (size <= LIMITS.execPluginStdout) stdout += decoder.write(d);
        else if (!tooLarge) ((tooLarge = true), end());
      });
      child.stderr?.on('data', (d: Buffer) => deps.stderr?.write(d.toString('utf8')));
      // Ending the plugin also closes our ends of its pipes: whatever it started (a shell's
      // `sleep`, a browser helper) would hold them open and keep us waiting.
      const end = () => {
        child.kill('SIGKILL');
        child.stdout?.destroy();
        child.stderr?.destroy();
      };
      const ms = deps.timeoutMs;
      const timer = ms > 0 ? setTimeout(() => ((timedOut = true), end()), ms - Math.min(250, ms / 4)) : undefined;
      const onAbort = () => end();
      deps.signal.addEventListener('abort', onAbort, { once: true });
      const finish = (err: Error | undefined, code: number | null) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        deps.signal.removeEventListener('abort', onAbort);
        if (deps.signal.aborted) return reject(new OperationError('interrupted'));
        if (tooLarge) {
          return reject(
            new OperationError(
              `getting credentials: exec: executable ${config.command} printed more than ${formatBytes(LIMITS.execPluginStdout)} on stdout (an ExecCredential is a few KiB); it was stopped`,
              `run "${config.command}" by hand: it must print one ExecCredential on stdout`,
            ),
          );
        }
        if (timedOut) {
          return reject(
            new OperationError(
              `getting credentials: exec: executable ${config.command} did not finish within ${formatDuration(ms)}`,
              'raise --request-timeout, or run the plugin by hand: it may be waiting for a login',
            ),
          );
        }
        if (err) return reject(runFailure(config, err as NodeJS.ErrnoException));
        if (code !== 0) {
          return reject(
            new OperationError(
              `getting credentials: exec: executable ${config.command} failed with exit code ${code ?? 'unknown (killed by a signal)'}`,
              'what the plugin printed is above; run it by hand to see what it needs (a login?)',
            ),
          );
        }
        resolve(stdout + decoder.end());
      };
      child.on('error', (e) => finish(e, null));
      child.on('close', (code) => finish(undefined, code));
    });
  }
}

/** wrapCmdRunErrorLocked's words: a missing binary gets the install hint. */
function runFailure(config: ExecConfig, e: NodeJS.ErrnoException): OperationError {
  if (e.code === 'ENOENT') {
    return new OperationError(`getting credentials: exec: executable ${config.command} not found`, config.installHint ? `${config.installHint} (${INSTALL_HINT_HELP})` : INSTALL_HINT_HELP);
  }
  if (e.code === 'EACCES') return new OperationError(`getting credentials: exec: ${config.command}: permission denied`, 'make the plugin executable, or fix users[].user.exec.command in the kubeconfig');
  return new OperationError(`getting credentials: exec: ${e.message}`);
}

/** refreshCredsLocked's checks of what the plugin printed, with its messages. */
export function parseExecCredential(stdout: string, config: ExecConfig): ExecCredentials {
  const fix = `run "${config.command}" by hand: it must print an ExecCredential of ${config.apiVersion} on stdout`;
  const fail = (what: string) => new OperationError(`getting credentials: ${what}`, fix);
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    const first = stdout.trim().split('\n')[0] ?? '';
    throw fail(`decoding stdout: ${config.command} printed ${first === '' ? 'nothing' : 'something that is not JSON'} (an ExecCredential is expected)`);
  }
  const d = (doc ?? {}) as Fields;
  if (typeof doc !== 'object' || Array.isArray(doc) || typeof d.kind !== 'string' || d.kind === '') {
    throw fail(`decoding stdout: Object 'Kind' is missing in what ${config.command} printed (an ExecCredential is expected)`);
  }
  const apiVersion = typeof d.apiVersion === 'string' ? d.apiVersion : '';
  if (d.kind !== 'ExecCredential' || !API_VERSIONS.includes(apiVersion)) {
    throw fail(`decoding stdout: ${config.command} printed a ${d.kind} of "${apiVersion}", not an ExecCredential of ${config.apiVersion}`);
  }
  if (apiVersion !== config.apiVersion) throw fail(`exec plugin is configured to use API version ${config.apiVersion}, plugin returned version ${apiVersion}`);
  const s = d.status as Fields | undefined | null;
  if (s === undefined || s === null || typeof s !== 'object') throw fail("exec plugin didn't return a status field");
  const token = typeof s.token === 'string' && s.token !== '' ? s.token : undefined;
  const certPem = typeof s.clientCertificateData === 'string' && s.clientCertificateData !== '' ? s.clientCertificateData : undefined;
  const keyPem = typeof s.clientKeyData === 'string' && s.clientKeyData !== '' ? s.clientKeyData : undefined;
  if (!token && !certPem && !keyPem) throw fail("exec plugin didn't return a token or cert/key pair");
  if (!certPem !== !keyPem) throw fail('exec plugin returned only certificate or key, not both');
  if (certPem && keyPem) {
    try {
      new X509Certificate(certPem);
      createPrivateKey(keyPem);
    } catch (e) {
      throw fail(`failed parsing client key/certificate: ${(e as Error).message}`);
    }
  }
  let expiresAt: number | undefined;
  if (s.expirationTimestamp !== undefined && s.expirationTimestamp !== null) {
    expiresAt = Date.parse(String(s.expirationTimestamp));
    if (Number.isNaN(expiresAt)) throw fail(`decoding stdout: status.expirationTimestamp "${String(s.expirationTimestamp)}" is not an RFC 3339 time`);
  }
  return { token, certPem, keyPem, expiresAt };
}
