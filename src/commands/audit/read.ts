/**
 * Streams audit log lines from files or stdin, one line at a time (node:readline), gunzipping when the
 * data starts with the gzip magic bytes (1f 8b) whatever the file is called. Nothing but the current
 * line and the stream buffers is held.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** One log to read: a file, or stdin (`-`). The cli opens it; tests hand in any stream. */
export interface LogSource {
  /** As the user named it; used in messages (`file:line`). */
  name: string;
  /** Opens the log; rejects (e.g. ENOENT) when it cannot be read. */
  open(): Promise<AsyncIterable<Buffer | string>>;
}

const GZIP_MAGIC = [0x1f, 0x8b];

const toBuffer = (c: Buffer | string): Buffer => (typeof c === 'string' ? Buffer.from(c) : c);

/** The bytes of `input`, gunzipped when they start with the gzip magic. */
export async function* decoded(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  let ended = false;
  while (head.length < GZIP_MAGIC.length) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head = head.length === 0 ? toBuffer(r.value) : Buffer.concat([head, toBuffer(r.value)]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    while (!ended) {
      const r = await it.next();
      if (r.done) return;
      yield toBuffer(r.value);
    }
  }
  if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) {
    const source = Readable.from(rest(), { objectMode: false });
    const gunzip = createGunzip();
    source.on('error', (e) => gunzip.destroy(e));
    source.pipe(gunzip);
    yield* gunzip as AsyncIterable<Buffer>;
  } else {
    yield* rest();
  }
}

/**
 * The lines of a log (decoded), numbered from 1. A trailing `\r` is dropped. Errors of the underlying
 * stream (a read error, corrupt gzip) are rethrown after the lines read so far.
 */
export async function* numberedLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<[number, string]> {
  const stream = Readable.from(decoded(input), { objectMode: false });
  let failure: unknown;
  stream.on('error', (e) => {
    failure = e;
  });
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of rl) {
      n++;
      yield [n, line];
    }
  } finally {
    rl.close();
    stream.destroy();
  }
  if (failure) throw failure;
}
