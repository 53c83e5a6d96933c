/**
 * The one exec into the container: `stat` of the three service-account files, `cat` of the token,
 * and `stat` of the token again — our own read moves the token file's atime, which
 * app-token-reload reads as "the app read it": the first stat shows the atime as the app left it,
 * the second whether our read moved it (own-reads.ts remembers that for the next run).
 * One exec = one round trip for all file facts.
 */
import type { FileStat, MountedToken } from '../../checks/context.js';
import type { StatTimes } from '../own-reads.js';

export function probeCommand(dir: string): string[] {
  const q = `'${dir.replace(/'/g, `'\\''`)}'`;
  // %x/%y (not %X/%Y): sub-second times, or a read in the same second as the rotation would not show.
  // `echo` after cat: the token file has no final newline.
  return ['sh', '-c', `stat -L -c '%n|%s|%x|%y' ${q}/token ${q}/ca.crt ${q}/namespace; echo ${MARKER}; cat ${q}/token; echo; echo ${AFTER}; stat -L -c '%x|%y' ${q}/token`];
}

const MARKER = '--satoken-token--';
const AFTER = '--satoken-after--';

/** The token file's times as stat printed them, before and after our read (undefined where stat printed none). */
export function probeTimes(stdout: string): { before?: StatTimes; after?: StatTimes } {
  const at = stdout.indexOf(MARKER);
  const after = stdout.lastIndexOf(AFTER);
  let before: StatTimes | undefined;
  for (const line of (at >= 0 ? stdout.slice(0, at) : '').split('\n')) {
    const m = STAT_LINE.exec(line.trim());
    if (m && m[1].split('/').pop() === 'token') before = { atime: m[3], mtime: m[4] };
  }
  const m = after >= 0 ? /^([^|\n]+)\|([^|\n]+)$/m.exec(stdout.slice(after + AFTER.length).trim()) : null;
  return { before, ...(m ? { after: { atime: m[1], mtime: m[2] } } : {}) };
}
const STAT_LINE = /^([^|]+)\|(\d+)\|([^|]+)\|([^|]+)$/;
/** stat's human time, GNU and busybox: `2026-11-28 16:04:02.021000000 +0000` (fraction optional). */
const STAT_TIME = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? ([+-])(\d\d)(\d\d)$/;

export function parseStatTime(s: string): Date | undefined {
  const m = STAT_TIME.exec(s.trim());
  if (!m) return undefined;
  const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const offset = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) * 60_000;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms) - offset);
}

/** Parses the probe's stdout. A file stat did not print is missing (stat wrote its error to stderr). */
export function parseProbe(dir: string, stdout: string): MountedToken {
  const at = stdout.indexOf(MARKER);
  const statPart = at >= 0 ? stdout.slice(0, at) : stdout;
  // lastIndexOf: the marker cannot come from the file, which is printed before it.
  const end = stdout.lastIndexOf(AFTER);
  const tokenPart = at >= 0 ? stdout.slice(at + MARKER.length, end > at ? end : undefined).replace(/^\r?\n/, '') : '';
  const stats = new Map<string, FileStat>();
  for (const line of statPart.split('\n')) {
    const m = STAT_LINE.exec(line.trim());
    const atime = m && parseStatTime(m[3]);
    const mtime = m && parseStatTime(m[4]);
    if (!m || !atime || !mtime) continue;
    stats.set(m[1].split('/').pop()!, { size: Number(m[2]), atime, mtime });
  }
  // When stat printed nothing at all (no stat binary), file presence is unknown, not missing.
  const statRan = stats.size > 0;
  const file = (name: string) => stats.get(name) ?? (statRan ? null : undefined);
  const raw = tokenPart.trim();
  return {
    via: 'exec',
    dir,
    files: { token: raw ? (file('token') ?? undefined) : file('token'), 'ca.crt': file('ca.crt'), namespace: file('namespace') },
    ...(raw ? { raw } : {}),
  };
}
