/** The real Io (files and stdin) handed to commands as deps.io. */
import { constants } from 'node:fs';
import { UsageError } from '../errors.js';
import type { Io } from '../commands/types.js';
import type { System } from './system.js';

/** The largest input read from a file or stdin; a token is far smaller (decode refuses > 64 KiB). */
const MAX_INPUT = 16 * 1024 * 1024;

/**
 * node:fs/promises, loaded on first use: loading it loads Node's streams and readline, a fifth of
 * `decode TOKEN`'s start-up, which reads no file (issue 8).
 */
const fsp = () => import('node:fs/promises');

export function nodeIo(sys: System): Io {
  return {
    readFile: async (path) => (await fsp()).readFile(path),
    async readStdin() {
      if (sys.stdinIsTTY) throw new UsageError('nothing on stdin (pipe a token into it, e.g. `cat token | kubectl satoken decode -`)');
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of sys.stdin) {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        size += b.length;
        if (size > MAX_INPUT) throw new UsageError(`stdin is too large (over ${MAX_INPUT} bytes)`);
        chunks.push(b);
      }
      return Buffer.concat(chunks);
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
    mkdir: async (path, opts = {}) => {
      await (await fsp()).mkdir(path, { recursive: opts.parents ?? true, mode: opts.parents === false ? 0o700 : undefined });
    },
    readDir: async (path) => (await fsp()).readdir(path),
    exists: async (path) =>
      (await fsp()).access(path, constants.F_OK).then(
        () => true,
        () => false,
      ),
  };
}
