/**
 * Streams audit log lines from files or stdin, gunzipping when the data starts with the gzip magic bytes
 * (1f 8b) whatever the file is called. Lines are split by hand on '\n' over the raw Buffers (no readline,
 * no string per line): a line is handed to the caller as a byte range, and only the lines the caller
 * wants are ever decoded. Nothing but the current chunk and one partial line is held.
 */
import { Readable } from 'node:stream';
import { LIMITS } from '../../limits.js';

/** One log to read: a file, or stdin (`-`). The cli opens it; tests hand in any stream. */
export interface LogSource {
  /** As the user named it; used in messages (`file:line`). */
  name: string;
  /** Opens the log; rejects (e.g. ENOENT) when it cannot be read. */
  open(): Promise<AsyncIterable<Buffer | string>>;
}

const GZIP_MAGIC = [0x1f, 0x8b];
/** Gunzip output chunks: large, so the line loop runs over few big buffers (the default is 16 KiB). */
const GUNZIP_CHUNK = 1 << 20;
/**
 * A line longer than this is not an audit event (src/limits.ts); its bytes are dropped as they come
 * so one endless line cannot exhaust memory.
 */
export const MAX_LINE_BYTES = LIMITS.auditLine;

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
    // node:zlib only for a gzipped log: diagnose shares this reader and must not load it at start-up.
    const { createGunzip } = await import('node:zlib');
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
    source.on('error', (e) => gunzip.destroy(e));
    source.pipe(gunzip);
    yield* gunzip as AsyncIterable<Buffer>;
  } else {
    yield* rest();
  }
}

/** What the line loop calls, synchronously, once per line. */
export interface LineSink {
  /**
   * Line `n` (from 1) is `buf[start, end)`, without its '\n' and a trailing '\r'. `marked`: the line
   * contains the `mark` bytes given to eachLine. The range is only valid during the call.
   */
  line(buf: Buffer, start: number, end: number, n: number, marked: boolean): void;
  /** Line `n` was longer than MAX_LINE_BYTES; its bytes were dropped. */
  tooLong(n: number): void;
}

/**
 * Calls `sink` for every line of a log (decoded). The search for `mark` runs once over each chunk, not
 * once per line, so telling the marked lines apart costs about one pass over the bytes. Errors of the
 * underlying stream (a read error, corrupt gzip) are thrown after the lines read so far.
 */
export async function eachLine(input: AsyncIterable<Buffer | string>, mark: Buffer, sink: LineSink): Promise<void> {
  let n = 0;
  // The start of a line cut by a chunk boundary, and its length (the pieces are joined once it ends).
  let carry: Buffer[] = [];
  let carried = 0;
  let dropping = false;

  const whole = (buf: Buffer, start: number, end: number) => {
    n++;
    if (end > start && buf[end - 1] === 0x0d) end--;
    sink.line(buf, start, end, n, buf.subarray(start, end).indexOf(mark) !== -1);
  };

  for await (const chunk of decoded(input)) {
    let pos = 0;
    const first = chunk.indexOf(0x0a);
    if (carried > 0 || dropping) {
      const upto = first === -1 ? chunk.length : first;
      if (!dropping && carried + upto > MAX_LINE_BYTES) {
        dropping = true;
        carry = [];
        carried = 0;
      }
      if (!dropping) {
        carry.push(chunk.subarray(0, upto));
        carried += upto;
      }
      if (first === -1) {
        // Still inside that line: keep a copy (the stream may reuse its buffer).
        if (!dropping) carry[carry.length - 1] = Buffer.from(chunk);
        continue;
      }
      if (dropping) {
        n++;
        sink.tooLong(n);
        dropping = false;
      } else {
        const line = Buffer.concat(carry, carried);
        whole(line, 0, line.length);
      }
      carry = [];
      carried = 0;
      pos = first + 1;
    }
    // Whole lines inside this chunk: one running search for the mark, one for each '\n'.
    let hit = chunk.indexOf(mark, pos);
    let nl = pos === 0 ? first : chunk.indexOf(0x0a, pos);
    while (nl !== -1) {
      n++;
      if (hit !== -1 && hit < pos) hit = chunk.indexOf(mark, pos);
      let end = nl;
      if (end > pos && chunk[end - 1] === 0x0d) end--;
      sink.line(chunk, pos, end, n, hit !== -1 && hit + mark.length <= end);
      pos = nl + 1;
      nl = chunk.indexOf(0x0a, pos);
    }
    if (pos < chunk.length) {
      const tail = chunk.length - pos;
      if (tail > MAX_LINE_BYTES) dropping = true;
      else {
        carry = [Buffer.from(chunk.subarray(pos))];
        carried = tail;
      }
    }
  }
  // The last line, without a final '\n'.
  if (dropping) {
    n++;
    sink.tooLong(n);
  } else if (carried > 0) {
    const line = Buffer.concat(carry, carried);
    whole(line, 0, line.length);
  }
}
