/**
 * The one exec into the container: `stat` of the three service-account files, then `cat` of the
 * token — in that order, because our own read moves the token file's atime, which
 * app-token-reload reads as "the app read it". One exec = one round trip for all file facts.
 */
import type { FileStat, MountedToken } from '../../checks/context.js';

export function probeCommand(dir: string): string[] {
  const q = `'${dir.replace(/'/g, `'\\''`)}'`;
  // %x/%y (not %X/%Y): sub-second times, or a read in the same second as the rotation would not show.
  return ['sh', '-c', `stat -L -c '%n|%s|%x|%y' ${q}/token ${q}/ca.crt ${q}/namespace; echo ${MARKER}; cat ${q}/token`];
}

const MARKER = '--satoken-token--';
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
  const tokenPart = at >= 0 ? stdout.slice(at + MARKER.length).replace(/^\r?\n/, '') : '';
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
