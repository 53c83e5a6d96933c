/**
 * Where the cli's output goes: process.stdout, or on the launcher's fast path a synchronous writer
 * (src/sync-output.ts). `write` returns false when the caller should wait for 'drain'.
 */
export interface OutputSink {
  write(text: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** What main.ts hands the cli: the process's streams and environment, and nothing else. */
export interface System {
  env: Record<string, string | undefined>;
  /** process.versions.node, for --version. */
  nodeVersion: string;
  stdout: OutputSink;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  /** stdout's width when it is a terminal (help wraps to it); undefined otherwise. */
  columns?: number;
  /** The wall clock; tests pin it so dates in outputs are reproducible. Default: the real time. */
  clock?: () => Date;
  /**
   * Told the exit code before the output is written: a reader that goes away mid-output (EPIPE)
   * ends the process with it, not with 0 (main.ts). Optional: tests read runCli's return value.
   */
  decided?: (exitCode: number) => void;
  /** Aborted on Ctrl-C / SIGTERM: commands stop their requests and end. */
  signal: AbortSignal;
}
