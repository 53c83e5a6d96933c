/**
 * The emulator's audit log backend (`--audit-log PATH`): JSON lines, one audit.k8s.io/v1 Event per
 * stage, as kube-apiserver's log backend writes them with a Metadata-level policy that omits
 * RequestReceived (the usual production policy). Lines are buffered and written with one
 * write(2) per event-loop turn (or every 256 KiB), through a file descriptor kept open; `flush()`
 * writes now. Requests to the emulator's own /_emulator/ endpoints are not API requests and are
 * not audited; a request that was never answered (an injected hang) has no event either.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { auditEvent, LoggedRequest, microTime, Stage, stagesOf } from './event';

export interface AuditLogOptions {
  path: string;
  /** The emulated clock (stage timestamps). */
  now: () => Date;
  /** The policy's omitStages (default: RequestReceived, as most policies set it). */
  omitStages?: Stage[];
}

const FLUSH_BYTES = 256 * 1024;

/** Every open log, flushed and closed when the process exits (so no event is lost). */
const open = new Set<AuditLog>();
let exitHook = false;

export class AuditLog {
  private fd: number | undefined;
  private lines: string[] = [];
  private bytes = 0;
  private scheduled = false;
  private readonly omit: Set<Stage>;
  /** Events written so far (tests, benchmarks). */
  events = 0;

  constructor(private readonly opts: AuditLogOptions) {
    this.omit = new Set(opts.omitStages ?? ['RequestReceived']);
  }

  write(r: LoggedRequest): void {
    if (r.status === 0 || r.path.startsWith('/_emulator/')) return;
    const received = r.audit?.receivedAt ?? this.opts.now();
    const receivedMs = received.getTime();
    const micros = fraction();
    const nowMs = Math.max(this.opts.now().getTime(), receivedMs);
    const stamps = {
      auditID: r.audit?.auditID || randomUUID(),
      requestReceivedTimestamp: microTime(receivedMs, micros),
      // Never before the received time within the same millisecond.
      stageTimestamp: microTime(nowMs, nowMs === receivedMs ? Math.max(micros, fraction()) : fraction()),
    };
    for (const stage of stagesOf(r)) {
      if (this.omit.has(stage)) continue;
      const line = JSON.stringify(auditEvent(r, stage, stamps)) + '\n';
      this.lines.push(line);
      this.bytes += line.length;
      this.events++;
    }
    if (this.bytes >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled && this.lines.length) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes the buffered lines now. */
  flush(): void {
    this.scheduled = false;
    if (!this.lines.length) return;
    if (this.fd === undefined) {
      this.fd = openSync(this.opts.path, 'a', 0o600);
      open.add(this);
      if (!exitHook) {
        exitHook = true;
        process.once('exit', () => {
          for (const log of open) log.close();
        });
      }
    }
    const data = Buffer.from(this.lines.join(''));
    this.lines = [];
    this.bytes = 0;
    for (let off = 0; off < data.length; ) off += writeSync(this.fd, data, off);
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    open.delete(this);
  }
}

/** Sub-millisecond digits (µs) from the monotonic clock: the emulated clock has millisecond resolution. */
function fraction(): number {
  return Math.floor((performance.now() % 1) * 1000);
}
