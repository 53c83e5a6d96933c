// The only file that touches process.*: argv, env, streams, exit code.
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fastRoute, fastText, type FastTable, type LauncherTable } from './cli/fast-path.js';
import type { OutputSink, System } from './cli/system.js';
import { codeCacheDir } from './compile-cache.js';
import { diskChunks } from './disk-chunks.js';
import { stderrWriter } from './output/stderr.js';
import { isTerminal, syncSink, type WriteFailure } from './sync-output.js';
import { nodeVersionProblem } from './version.js';

/** The parser's answers computed at build time (scripts/build.mjs), but the texts; absent under Jest. */
declare const __SATOKEN_FAST_TABLE__: LauncherTable | undefined;
/**
 * dist/'s files (scripts/cli-chunks.mjs, which every build of this file goes through): the two
 * entry chunks, the texts, and every file's content id.
 */
declare const __SATOKEN_CHUNKS__: { cli: string; decode: string; texts: string; ids: Record<string, string> };

/**
 * stderr through the output layer's writer (scrubbed, terminal-safe), written synchronously: the
 * last words before process.exit() must not be cut.
 */
const stderr = stderrWriter((text) =>
  syncSink(2, {
    brokenPipe: () => process.exit(process.exitCode ?? 1),
    failed: () => process.exit(1),
  }).write(text),
);

/**
 * Whatever escapes every layer (a throw in a callback, a rejection nobody awaited) ends the process
 * with one `error:` line and exit 1, never Node's report with source lines and a stack — that only
 * with --debug.
 */
function crash(e: unknown): never {
  try {
    stderr.unexpected(e, process.argv.includes('--debug'));
  } catch {
    // stderr itself is gone: nothing more can be said.
  }
  process.exit(1);
}

async function main(): Promise<void> {
  // TLS verification is the kubeconfig's and the flags' to decide, as kubectl's is: every connection
  // sets rejectUnauthorized itself. Node would still read NODE_TLS_REJECT_UNAUTHORIZED=0 for any
  // connection that did not, and print a warning that the plugin's connections are insecure, which
  // they are not: the variable goes before anything connects.
  delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  const problem = nodeVersionProblem(process.versions.node);
  if (problem) {
    stderr.line(`error: ${problem}`);
    process.exitCode = 1;
    return;
  }
  const args = process.argv.slice(2);
  // Start-up speed (issue 8): help and version texts, and `decode TOKEN`'s argv, as yargs gave
  // them at build time (cli/fast-path.ts); every other command line is parsed by yargs. The fast
  // path writes with fs.writeSync: building process.stdout would cost more than the rest of it.
  const route = typeof __SATOKEN_FAST_TABLE__ === 'object' ? fastRoute(args, __SATOKEN_FAST_TABLE__) : undefined;
  // V8 reuses the code compiled by earlier runs (disk-chunks.ts): in dist/ the files required below
  // are required with the code caches runs leave. Not in the single executable, which carries its
  // own (completion/sea-main.ts) and serves this launcher's require() from its assets.
  const built = __SATOKEN_CHUNKS__;
  // While the release trains the executable's caches (SATOKEN_SEA_ASSETS), this launcher is one of
  // its assets too: it requires through the same loader, so the caches hold what the run compiled.
  const chunks = isSea() || process.env.SATOKEN_SEA_ASSETS !== undefined
    ? undefined
    : diskChunks({
        dir: __dirname,
        cacheDir: codeCacheDir({ env: process.env, uid: process.getuid?.(), tmpdir: tmpdir() }),
        ids: built.ids,
        runtime: `${process.versions.node}-${process.arch}`,
        builtin: require,
      });
  if (chunks) {
    process.on('exit', () => {
      chunks.save();
      if (process.env.SATOKEN_CACHE_REPORT === '1') for (const line of chunks.report()) process.stderr.write(`cache: ${line}\n`);
    });
  }
  /** One of dist/'s files: with its code cache, or through the single executable's require. */
  const requireBuilt = (file: string): unknown => (chunks ? chunks.require(file) : require(path.join(__dirname, file)));
  const failure: WriteFailure = {
    // A reader that goes away (`… | head`) is not an error: stop writing and end quietly, as a Go
    // kubectl does on SIGPIPE, instead of an EPIPE stack trace — with the exit code the command
    // decided before it printed (execute.ts sets it first), whichever path and -o printed it.
    brokenPipe: () => process.exit(process.exitCode ?? 0),
    failed: (e) => {
      stderr.line(`error: cannot write the output (${e.code ?? e.message})`);
      process.exit(1);
    },
  };
  // The texts were rendered for a pipe (80 columns); a terminal's help wraps to its own width: yargs.
  const ttyOut = () => isTerminal(1, () => (require('node:tty') as typeof import('node:tty')).isatty(1));
  if (route?.kind === 'text' && !(route.line !== '--version' && ttyOut())) {
    syncSink(1, failure).write(fastText(requireBuilt(built.texts) as FastTable['texts'], route.line, process.versions.node));
    return;
  }
  let stdout: OutputSink;
  let stdoutIsTTY: boolean;
  if (route?.kind === 'decode') {
    stdout = syncSink(1, failure);
    stdoutIsTTY = ttyOut();
  } else {
    // yargs asks for the working directory as it loads: a removed one would end in a stack trace.
    if (!cwdExists()) {
      stderr.line('error: the current directory no longer exists (cd to one that does, and run again)');
      process.exitCode = 1;
      return;
    }
    process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? failure.brokenPipe() : failure.failed(e)));
    stdout = process.stdout;
    stdoutIsTTY = Boolean(process.stdout.isTTY);
  }
  // Loaded after the version check: on an old Node the cli's dependencies crash on import.
  const run: (sys: System) => Promise<number> =
    route?.kind === 'decode'
      ? (sys) => (requireBuilt(built.decode) as typeof import('./cli/decode-fast.js')).runDecode(route.argv, sys)
      : (sys) => (requireBuilt(built.cli) as typeof import('./cli/run.js')).runCli(args, sys);
  const controller = new AbortController();
  // A shell's code for death by a signal, 128 + its number, as a Go kubectl gets from the kernel:
  // 130 for SIGINT (Ctrl-C), 143 for SIGTERM.
  let signalCode: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGTERM' ? 143 : 130;
    // A second signal ends at once, whatever is pending.
    if (controller.signal.aborted) process.exit(code);
    signalCode = code;
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await run({
    env: process.env,
    decided: (exitCode) => {
      process.exitCode = exitCode;
    },
    nodeVersion: process.versions.node,
    stdout,
    stdoutIsTTY,
    // Start-up speed (issue 8): Node builds process.stderr and process.stdin on first use (a pipe
    // on stdin loads node:net), and most runs never touch them: getters leave them unbuilt.
    get stderr() {
      return process.stderr;
    },
    get stdin() {
      return process.stdin;
    },
    get stderrIsTTY() {
      return Boolean(process.stderr.isTTY);
    },
    get stdinIsTTY() {
      return Boolean(process.stdin.isTTY);
    },
    // Help wraps to the terminal's width.
    get columns() {
      return process.stdout.isTTY ? process.stdout.columns : undefined;
    },
    signal: controller.signal,
  });
  // Never process.exit() after a large write to a pipe: it would be cut. Let Node end.
  process.exitCode = code;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (signalCode !== undefined) process.exitCode = signalCode;
}

function cwdExists(): boolean {
  try {
    process.cwd();
    return true;
  } catch {
    return false;
  }
}

/** node:sea exists from Node 20.12/21.7; the version check above has already refused older ones. */
function isSea(): boolean {
  try {
    return (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
main().catch(crash);
