/** The real Io (files and stdin) handed to commands as deps.io. */
import { constants } from 'node:fs';
import { UsageError } from '../errors.js';
import type { Io } from '../commands/types.js';
import { readFileCapped, readStreamCapped } from '../bounded-read.js';
import { LIMITS, TooLargeError } from '../limits.js';
import type { System } from './system.js';

/** A read whose caller names no cap: the largest file the plugin reads (a backup). */
const DEFAULT_LIMIT = { bytes: LIMITS.backupFile, what: 'a file' };

/**
 * node:fs/promises, loaded on first use: loading it loads Node's streams and readline, a fifth of
 * `decode TOKEN`'s start-up, which reads no file (issue 8).
 */
const fsp = () => import('node:fs/promises');

export function nodeIo(sys: System): Io {
  return {
    readFile: (path, limit = DEFAULT_LIMIT) => readFileCapped(path, limit.bytes, limit.what),
    async readStdin() {
      if (sys.stdinIsTTY) throw new UsageError('nothing on stdin (pipe a token into it, e.g. `cat token | kubectl satoken decode -`)');
      try {
        return await readStreamCapped(sys.stdin as AsyncIterable<Buffer | string>, LIMITS.tokenFile, 'a token on stdin');
      } catch (e) {
        if (e instanceof TooLargeError) throw new UsageError(`cannot read stdin (${e.message})`);
        throw e;
      }
    },
    async writeFile(path, data, opts = {}) {
      if (opts.exclusive) {
        const fh = await (await fsp()).open(path, 'wx', opts.mode ?? 0o644);
        try {
          await fh.writeFile(data);
        } finally {
          await fh.close();
        }
        return;
      }
      await (await fsp()).writeFile(path, data, { mode: opts.mode ?? 0o644 });
    },
    rename: async (from, to) => (await fsp()).rename(from, to),
    mkdir: async (path) => {
      await (await fsp()).mkdir(path, { recursive: true });
    },
    readDir: async (path) => (await fsp()).readdir(path),
    exists: async (path) =>
      (await fsp()).access(path, constants.F_OK).then(
        () => true,
        () => false,
      ),
  };
}
