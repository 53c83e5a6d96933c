/**
 * One line of an audit log: parsed in full (JSON.parse) when it can change the report, or skimmed on its
 * raw bytes when it cannot. Only an event with an `authentication.k8s.io/` annotation key names a stale
 * or legacy token, so every other line is only counted (events, requests, outside the window), and
 * JSON.parse of it — most of the cost of reading a log — is skipped.
 *
 * What "malformed" means for a skimmed line: it is an event when it has the shape of one as the API
 * server's JSON log backend writes it: it starts with `{` and ends with `}`, its first `"kind":` (if any)
 * is "Event", it has a `"stage":"…"` and a `requestReceivedTimestamp` (or `stageTimestamp`) that starts
 * like a date (and parses, when --since/--until need it). A line that fails any of these is parsed in
 * full and reported with the same reasons as before (not JSON, not a JSON object, no stage…). So a line
 * without a token annotation that has that shape but is broken inside is counted as an event, not as
 * malformed: the reader does not look inside lines that cannot matter.
 */
import type { AuditEvent } from './annotations.js';
import type { CountingRole } from './aggregate.js';

/** The bytes that mark a line worth parsing: an annotation key of the authenticator (annotations.ts). */
export const TOKEN_ANNOTATION_MARK = Buffer.from('"authentication.k8s.io/');

/** Why a line is not an audit event, or the event and its time when it is one. */
export function parseLine(line: string): { event: AuditEvent; at: number } | { malformed: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { malformed: 'not JSON' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { malformed: 'not a JSON object' };
  const ev = v as AuditEvent;
  if (ev.kind !== undefined && ev.kind !== 'Event') return { malformed: `kind "${String(ev.kind)}" is not an audit Event` };
  if (typeof ev.stage !== 'string') return { malformed: 'no stage' };
  const at = Date.parse(String(ev.requestReceivedTimestamp ?? ev.stageTimestamp ?? ''));
  if (Number.isNaN(at)) return { malformed: 'no valid requestReceivedTimestamp' };
  return { event: ev, at };
}

const KIND = Buffer.from('"kind":"');
const EVENT = Buffer.from('Event"');
const LEADING_KIND = Buffer.from('{"kind":"Event"');
const STAGE = Buffer.from('"stage":"');
const RECEIVED_AT = Buffer.from('"requestReceivedTimestamp":"');
const STAGE_AT = Buffer.from('"stageTimestamp":"');
const RESPONSE_STATUS = Buffer.from('"responseStatus":{');
const CODE = Buffer.from('"code":');

/** Stage names as bytes (with the closing quote) → their counting role; ResponseStarted depends on the code. */
const STAGES: Array<[Buffer, CountingRole | 'started']> = [
  [Buffer.from('ResponseComplete"'), 'end'],
  [Buffer.from('RequestReceived"'), 'received'],
  [Buffer.from('ResponseStarted"'), 'started'],
  [Buffer.from('Panic"'), 'end'],
];

const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

/** `line` holds `bytes` at `pos` (a JS loop: cheaper than a native compare for a few bytes). */
function holds(line: Buffer, pos: number, bytes: Buffer): boolean {
  if (pos + bytes.length > line.length) return false;
  for (let i = 0; i < bytes.length; i++) if (line[pos + i] !== bytes[i]) return false;
  return true;
}

/** The value of responseStatus.code (metav1.Status writes `code` last), or undefined. */
function responseCode(line: Buffer): number | undefined {
  const r = line.indexOf(RESPONSE_STATUS);
  if (r === -1) return undefined;
  const c = line.indexOf(CODE, r);
  if (c === -1) return undefined;
  let code = 0;
  let i = c + CODE.length;
  if (!isDigit(line[i])) return undefined;
  while (isDigit(line[i])) code = code * 10 + line[i++]! - 0x30;
  return code;
}

/**
 * An unmarked line's counting role and, when `needTime`, its time (ms) — or undefined when it does not
 * have the shape of an event (see the header), and must be parsed in full to say why. `line` holds
 * exactly the line's bytes, trimmed.
 */
export function skimLine(line: Buffer, needTime: boolean): { role: CountingRole; at: number; refused?: true } | undefined {
  if (line[0] !== 0x7b || line[line.length - 1] !== 0x7d) return undefined;
  // The API server writes kind first; anywhere else, the first "kind" must still be Event.
  if (!holds(line, 0, LEADING_KIND)) {
    const k = line.indexOf(KIND);
    if (k !== -1 && !holds(line, k + KIND.length, EVENT)) return undefined;
  }
  const s = line.indexOf(STAGE);
  if (s === -1) return undefined;
  const v = s + STAGE.length;
  let role: CountingRole = 'other';
  let refused = false;
  const known = STAGES.find(([name]) => holds(line, v, name));
  if (known?.[1] === 'started') {
    refused = responseCode(line) === 401;
    role = refused ? 'end' : 'other';
  }
  else if (known) role = known[1];
  else if (line[v] === 0x22) return undefined; // an empty stage: let the full parse judge it
  // Timestamps come after any request/response body, near the end: searched from there.
  let t = line.lastIndexOf(RECEIVED_AT);
  let tv = t === -1 ? -1 : t + RECEIVED_AT.length;
  if (t === -1) {
    t = line.lastIndexOf(STAGE_AT);
    tv = t === -1 ? -1 : t + STAGE_AT.length;
  }
  // YYYY-…: the cheap shape of an RFC 3339 time; the full parse says why anything else is not one.
  if (tv === -1 || !isDigit(line[tv]) || !isDigit(line[tv + 3]) || line[tv + 4] !== 0x2d) return undefined;
  const mark = refused ? { refused: true as const } : {};
  if (!needTime) return { role, at: NaN, ...mark };
  const q = line.indexOf(0x22, tv);
  const at = q === -1 ? NaN : Date.parse(line.toString('latin1', tv, q));
  return Number.isNaN(at) ? undefined : { role, at, ...mark };
}
