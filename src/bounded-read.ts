/**
 * Reads of a file or a stream that stop at a cap (src/limits.ts). A regular file over the cap is
 * refused by its size before any byte is read; anything else (/dev/zero, a FIFO, stdin) is read up
 * to one byte past the cap, then dropped.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TooLargeError } from './limits.js';

const CHUNK = 64 * 1024;

/** The whole file, or TooLargeError; fs errors (ENOENT, EACCES, EISDIR) as thrown by node:fs. */
export function readFileCappedSync(path: string, limit: number, what: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: 'EISDIR' });
    if (st.isFile() && st.size > limit) throw TooLargeError.bytes(limit, what);
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, limit + 1 - size));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      size += n;
      if (size > limit) throw TooLargeError.bytes(limit, what);
    }
    return Buffer.concat(chunks, size);
  } finally {
    closeSync(fd);
  }
}

/** As readFileCappedSync, without blocking the event loop (a FIFO or a slow device may take its time). */
export async function readFileCapped(path: string, limit: number, what: string): Promise<Buffer> {
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: 'EISDIR' });
    if (st.isFile() && st.size > limit) throw TooLargeError.bytes(limit, what);
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, limit + 1 - size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      size += bytesRead;
      if (size > limit) throw TooLargeError.bytes(limit, what);
    }
    return Buffer.concat(chunks, size);
  } finally {
    await fh.close();
  }
}

/** A stream's bytes (stdin), stopping at one byte past the cap. */
export async function readStreamCapped(stream: AsyncIterable<Buffer | string>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += b.length;
    if (size > limit) throw TooLargeError.bytes(limit, what);
    chunks.push(b);
  }
  return Buffer.concat(chunks, size);
}
