/**
 * Runs one parsed command: checks -o, builds deps, runs it, renders its Outcome through the output
 * layer, and maps errors to exit codes. No yargs here: run.ts parses, and main.ts's start-up fast
 * path (fast-path.ts) hands in argv that the build computed with the same parser (issue 8).
 */
import { SatokenError, UsageError } from '../errors.js';
import type { Deps } from '../commands/types.js';
import type { ConnectionFlags, KubeConnection } from '../kube/types.js';
import { jsonChunks } from '../output/json-chunks.js';
import { scrubTokens } from '../output/redact.js';
import type { Render } from '../output/renderer.js';
import { oneLine, stderrWriter, type StderrWriter } from '../output/stderr.js';
import { terminalSafeJson } from '../output/terminal-safe.js';
import type { OutputFormat } from '../output/types.js';
import { DEFAULT_FORMATS, type CliCommand, type CommandOutput } from './command.js';
import { parseDuration } from './flags.js';
import { nodeIo } from './io.js';
import type { OutputSink, System } from './system.js';

/** `--debug` anywhere on the command line: stack traces on errors, even parse errors. */
export function wantsDebug(args: readonly string[]): boolean {
  return args.includes('--debug');
}

/**
 * Runs `command` with yargs' argv for it and prints its result with `render` (output/render.ts's,
 * or one with only the tables the command can need); returns the exit code. Never throws.
 */
export async function execute(command: CliCommand, argv: Record<string, unknown>, sys: System, debug: boolean, render: Render): Promise<number> {
  const err = stderrWriter((text) => sys.stderr.write(text));
  try {
    const formats = command.formats ?? DEFAULT_FORMATS;
    const format = typeof argv.output === 'string' ? argv.output : 'table';
    if (!formats.includes(format)) {
      throw new UsageError(`unable to match a printer suitable for the output format "${format}", allowed formats are: ${formats.join(',')}`);
    }
    const flags = connectionFlags(argv);
    // no-color.org: NO_COLOR set to a non-empty value.
    const color = sys.stdoutIsTTY && argv.color !== false && !sys.env.NO_COLOR;
    const deps = buildDeps(sys, flags, err);
    const out: CommandOutput = await command.run(argv, { deps, format, flags, sys });

    // 4: nothing failing was found, but the cluster withheld what would prove there is nothing:
    // neither 0 (a script's `&&` must not read it as healthy) nor 1 (the job was done as far as
    // permitted, and the result says what was not proven) nor 3 (no problem was found).
    const exitCode = out.exitCode ?? (out.outcome.problem ? 3 : out.outcome.inconclusive ? 4 : 0);
    sys.decided?.(exitCode);
    for (const n of out.outcome.notices) err.line(`${n.level}: ${n.message}`);
    const as = out.renderAs ?? (format as OutputFormat);
    if (out.raw !== undefined) {
      sys.stdout.write(out.raw);
    } else if (as === 'json') {
      // The same text as render()'s, written a list item at a time: one string for a whole
      // cluster's scan (and its scrubbed copy) doubled the peak memory (issue 8).
      await writeChunks(sys.stdout, jsonChunks(out.outcome.result), out.showTokens ? terminalSafeJson : (t) => terminalSafeJson(scrubTokens(t)));
    } else {
      const text = await render(out.outcome.result, {
        format: as,
        color,
        now: deps.clock(),
        explain: Boolean(argv.explain),
      });
      sys.stdout.write(out.showTokens ? text : scrubTokens(text));
    }
    return exitCode;
  } catch (e) {
    return reportError(e, debug, err);
  }
}

/** kubectl's connection flags, from argv (the global flags in flags.ts). */
function connectionFlags(argv: Record<string, unknown>): ConnectionFlags {
  let requestTimeoutMs: number;
  try {
    requestTimeoutMs = parseDuration(String(argv['request-timeout'] ?? '30s'), '--request-timeout');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // Node's timers hold at most 2^31-1 ms (24.8 days): a longer timeout is as good as that one, and
  // handed on as it is it would fire at once (setTimeout) or throw (AbortSignal.timeout).
  requestTimeoutMs = Math.min(requestTimeoutMs, 2 ** 31 - 1);
  const str = (k: string) => (typeof argv[k] === 'string' && argv[k] !== '' ? (argv[k] as string) : undefined);
  let verbosity: number | undefined;
  // yargs keeps the key with no value for a bare `-v`; kubectl: "flag needs an argument: 'v' in -v".
  if ('v' in argv && argv.v === undefined) throw new UsageError("flag needs an argument: 'v' in -v", 'give a level, e.g. -v=6');
  if (argv.v !== undefined) {
    verbosity = Number(argv.v);
    if (!Number.isInteger(verbosity) || verbosity < 0) throw new UsageError(`invalid argument "${String(argv.v)}" for "-v, --v" flag (a log level such as 6 or 8 is expected)`);
  }
  for (const k of ['server', 'token', 'certificate-authority', 'client-certificate', 'client-key', 'tls-server-name', 'as-uid', 'cache-dir']) {
    if (argv[k] === '' || Array.isArray(argv[k])) throw new UsageError(Array.isArray(argv[k]) ? `--${k} given more than once` : `--${k} needs a value`);
  }
  return {
    kubeconfig: str('kubeconfig'),
    context: str('context'),
    cluster: str('cluster'),
    user: str('user'),
    namespace: str('namespace'),
    requestTimeoutMs,
    as: str('as'),
    asGroups: Array.isArray(argv['as-group']) ? (argv['as-group'] as string[]) : undefined,
    asUid: str('as-uid'),
    server: str('server'),
    token: str('token'),
    certificateAuthority: str('certificate-authority'),
    clientCertificate: str('client-certificate'),
    clientKey: str('client-key'),
    insecureSkipTlsVerify: typeof argv['insecure-skip-tls-verify'] === 'boolean' ? (argv['insecure-skip-tls-verify'] as boolean) : undefined,
    tlsServerName: str('tls-server-name'),
    cacheDir: str('cache-dir'),
    verbosity,
    debug: Boolean(argv.debug),
    // A token read from stdin (`-`, `-f -`; yargs turns a lone `-` positional into ''): the plugin must not get stdin.
    stdinUnavailable: argv.TOKEN === '' || argv.TOKEN === '-' || argv.filename === '-',
  };
}

function buildDeps(sys: System, flags: ConnectionFlags, err: StderrWriter): Deps {
  let connection: Promise<KubeConnection> | undefined;
  return {
    clock: sys.clock ?? (() => new Date()),
    io: nodeIo(sys),
    // client-node is loaded only here, on the first cluster call: decode TOKEN and --help never pay for it.
    kube: () =>
      (connection ??= import('../kube/connect.js').then((m) =>
        // -v request lines (method, URL, headers, bodies) go to stderr, scrubbed and made safe like every other line.
        m.connect(flags, sys.env, sys.signal, {
          log: (line) => err.line(line),
          stdinIsTerminal: sys.stdinIsTTY,
          // The exec plugin's stderr reaches the user, as with kubectl (a device-code login prints there).
          stderr: { write: (text: string) => (err.lines(text), true) } as NodeJS.WritableStream,
        }),
      )),
    progress: lazyProgress(sys, err),
    env: sys.env,
  };
}

/**
 * Writes the chunks in writes of about 16K characters, waiting whenever the stream asks to (a slow
 * pipe). Not larger: a string over 128 KB (64K characters of two-byte text, and diagnose prints
 * "—") goes to V8's large-object space, and a scan's output piled up ~40 MB of them (issue 8).
 */
async function writeChunks(out: OutputSink, chunks: Iterable<string>, transform: (text: string) => string): Promise<void> {
  let pending = '';
  const flush = async () => {
    if (!out.write(transform(pending))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    pending = '';
  };
  for (const chunk of chunks) {
    pending += chunk;
    if (pending.length >= 16384) await flush();
  }
  if (pending) await flush();
}

/**
 * Progress lines only on a terminal. Asked on the first progress call, not before: asking builds
 * process.stderr, which most runs never need (start-up speed, issue 8).
 */
function lazyProgress(sys: System, err: StderrWriter): (message: string) => void {
  let onTerminal: boolean | undefined;
  return (message) => {
    onTerminal ??= sys.stderrIsTTY;
    if (onTerminal) err.progress(message);
  };
}

/**
 * Errors become one line `error: …` (+ `hint: …`); a stack trace only with --debug. Every line
 * goes through the stderr writer: a message a server or a container wrote cannot drive the terminal.
 */
export function reportError(e: unknown, debug: boolean, err: StderrWriter): number {
  if (e instanceof SatokenError) {
    err.line(`error: ${oneLine(e.message)}`);
    if (e.hint) err.line(`hint: ${oneLine(e.hint)}`);
    if (debug && e.stack) err.lines(e.stack + '\n');
    return e.exitCode;
  }
  err.unexpected(e, debug);
  return 1;
}
