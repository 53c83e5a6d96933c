/**
 * What every command returns, and what it is given. Commands compute; they never print
 * (the cli layer hands the Outcome to output/render).
 */
import type { KubeConnector } from '../kube/types.js';

/** A line for stderr that belongs to the result (e.g. "the server shortened the duration"). */
export interface Notice {
  level: 'warning' | 'info';
  message: string;
}

export interface Outcome<T> {
  /** The result object; JSON/YAML output is exactly this (it carries a `kind`). */
  result: T;
  /** True when the job was done and found a failing problem: exit code 3. */
  problem: boolean;
  /**
   * True when nothing failed but the cluster withheld what would prove the result (a permission,
   * exec): exit code 4. Not set when the user chose the lighter look (--no-exec, a scan without
   * --deep): that job was done as asked, and the result says what it did not prove.
   */
  inconclusive?: boolean;
  notices: Notice[];
}

/** File and stream access, passed in so tests give a fake and commands stay pure of process.*. */
export interface Io {
  readFile(path: string): Promise<Buffer>;
  /** Reads all of stdin; rejects with UsageError when it is a terminal (nothing piped). */
  readStdin(): Promise<Buffer>;
  /** Writes a file; `exclusive` fails when it exists (no silent overwrite). */
  writeFile(path: string, data: string | Buffer, opts?: { mode?: number; exclusive?: boolean }): Promise<void>;
  /** Atomic replace on one file system: how backups are written (tmp file, then rename). */
  rename(from: string, to: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  readDir(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
}

export type Clock = () => Date;

export interface Deps {
  clock: Clock;
  io: Io;
  /** Connects to the cluster on first use; loads client-node lazily (decode TOKEN never does). */
  kube: KubeConnector;
  /** A progress line for long work (stderr, only on a terminal); a no-op elsewhere. */
  progress: (message: string) => void;
  /** Environment variables (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST…). */
  env: Record<string, string | undefined>;
}
