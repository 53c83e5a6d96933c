/**
 * Standard output written with fs.writeSync, for the launcher's fast path (issue 8). Building
 * process.stdout loads Node's stream machinery, ~5 ms: a third of what `decode TOKEN` may cost
 * above `node -e 0`. The fast path prints one short text, so a blocking write is all it needs.
 */
import { fstatSync, statSync, writeSync } from 'node:fs';
import type { OutputSink } from './cli/system.js';

/** What ends the process when output cannot be written (main.ts's; the same for process.stdout). */
export interface WriteFailure {
  /** The reader has gone (`… | head`, EPIPE): end quietly. */
  brokenPipe(): never;
  /** Any other failure (a full disk, ENOSPC): one error line, exit 1. */
  failed(e: NodeJS.ErrnoException): never;
}

/** A sink on `fd` that writes every byte before returning. */
export function syncSink(fd: number, failure: WriteFailure): OutputSink {
  const sink: OutputSink = {
    write(text) {
      writeAll(fd, Buffer.from(text), failure);
      return true;
    },
    // write() never asks to wait, so nobody waits for a drain.
    once: () => sink,
  };
  return sink;
}

/** A descriptor left non-blocking by another program answers EAGAIN when full: wait and retry. */
function writeAll(fd: number, buf: Buffer, failure: WriteFailure): void {
  let done = 0;
  while (done < buf.length) {
    try {
      done += writeSync(fd, buf, done);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EPIPE') failure.brokenPipe();
      if (err.code !== 'EAGAIN') failure.failed(err);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

/**
 * isatty(fd), without loading node:tty (which loads node:net and the streams) when `fd` cannot be
 * a terminal: only a character device can, so a pipe or a file is answered by fstat alone, and so
 * is /dev/null (`… > /dev/null`), the one character device output is commonly sent to.
 */
export function isTerminal(fd: number, isatty: () => boolean): boolean {
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice()) return false;
    if (st.rdev === statSync('/dev/null', { throwIfNoEntry: false })?.rdev) return false;
    return isatty();
  } catch {
    return false;
  }
}
