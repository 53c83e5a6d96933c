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

/** The cap on one read and the words for what is read, e.g. `{ bytes: LIMITS.tokenFile, what: 'a token file' }`. */
export interface ReadLimit {
  bytes: number;
  what: string;
}

/** File and stream access, passed in so tests give a fake and commands stay pure of process.*. */
export interface Io {
  /** Reads a file up to `limit` (src/limits.ts; a default cap when not given), else rejects with TooLargeError. */
  readFile(path: string, limit?: ReadLimit): Promise<Buffer>;
  /** Reads all of stdin; rejects with UsageError when it is a terminal (nothing piped). */
  readStdin(): Promise<Buffer>;
  /** Writes a file; `exclusive` fails when it exists (no silent overwrite). */
  writeFile(path: string, data: string | Buffer, opts?: { mode?: number; exclusive?: boolean }): Promise<void>;
  /** Atomic replace on one file system: how backups are written (tmp file, then rename). */
  rename(from: string, to: string): Promise<void>;
  /**
   * mkdir -p; `mode` applies to the directories it creates. `parents: false` makes one level only
   * (a recursive mkdir under /proc/self never returns).
   */
  mkdir(path: string, opts?: { mode?: number; parents?: boolean }): Promise<void>;
  readDir(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  /**
   * What is at `path` (the link itself for a symlink unless `follow`), undefined when nothing is.
   * Optional: the real file system has it; a fake without it cannot hold backups.
   */
  stat?(path: string, opts?: { follow?: boolean }): Promise<FileInfo | undefined>;
  /** The user this process runs as (POSIX uid); undefined where there is none (Windows). */
  userId?: number;
  /**
   * Writes a file only this user can read, so that a crash or another user never leaves or sees a
   * partial or redirected copy: a temporary file of unpredictable name opened exclusively
   * (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600), fsynced, renamed over `path`, the directory fsynced.
   */
  writePrivateFile?(path: string, data: string): Promise<void>;
}

export interface FileInfo {
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** Permission bits, with setuid/setgid/sticky (st_mode & 0o7777). */
  mode: number;
  uid: number;
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
