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

/**
 * The private, durable write Io.writePrivateFile promises. The temporary name is random and opened
 * with O_EXCL|O_NOFOLLOW, so a file or symlink planted at a guessable name is never written through;
 * rename replaces a link at `path` rather than following it.
 */
async function writePrivateFile(path: string, data: string): Promise<void> {
  const fs = await fsp();
  const { randomBytes } = await import('node:crypto');
  const { basename, dirname, join } = await import('node:path');
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(12).toString('hex')}.tmp`);
  // O_NOFOLLOW does not exist on Windows (0 there: O_EXCL alone already refuses an existing link).
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  const fh = await fs.open(tmp, flags, 0o600);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.unlink(tmp).catch(() => undefined);
    throw e;
  }
  // The rename itself is durable only once the directory is synced (not possible on Windows).
  if (process.platform !== 'win32') {
    const d = await fs.open(dir, constants.O_RDONLY);
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}

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
    mkdir: async (path, opts = {}) => {
      // `parents: false` makes one level only; a new directory gets `mode`, or 0700 for one level.
      const mode = opts.mode ?? (opts.parents === false ? 0o700 : undefined);
      await (await fsp()).mkdir(path, { recursive: opts.parents ?? true, ...(mode !== undefined ? { mode } : {}) });
    },
    async stat(path, opts = {}) {
      const fs = await fsp();
      const st = await (opts.follow ? fs.stat(path) : fs.lstat(path)).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      });
      if (!st) return undefined;
      const type = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'other';
      return { type, mode: st.mode & 0o7777, uid: st.uid };
    },
    userId: process.getuid?.(),
    writePrivateFile: (path, data) => writePrivateFile(path, data),
    readDir: async (path) => (await fsp()).readdir(path),
    exists: async (path) =>
      (await fsp()).access(path, constants.F_OK).then(
        () => true,
        () => false,
      ),
  };
}
