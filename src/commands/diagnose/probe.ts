/**
 * The one exec into the container: `stat` of the three service-account files, then `cat` of the
 * token — in that order, because our own read moves the token file's atime, which
 * app-token-reload reads as "the app read it". One exec = one round trip for all file facts.
 */
import type { FileStat, MountedToken } from '../../checks/context.js';

export function probeCommand(dir: string): string[] {
  const q = `'${dir.replace(/'/g, `'\\''`)}'`;
  return ['sh', '-c', `stat -L -c '%n %s %X %Y' ${q}/token ${q}/ca.crt ${q}/namespace; echo ${MARKER}; cat ${q}/token`];
}

const MARKER = '--satoken-token--';
const STAT_LINE = /^(\S+) (\d+) (\d+) (\d+)$/;

/** Parses the probe's stdout. A file stat did not print is missing (stat wrote its error to stderr). */
export function parseProbe(dir: string, stdout: string): MountedToken {
  const at = stdout.indexOf(MARKER);
  const statPart = at >= 0 ? stdout.slice(0, at) : stdout;
  const tokenPart = at >= 0 ? stdout.slice(at + MARKER.length).replace(/^\r?\n/, '') : '';
  const stats = new Map<string, FileStat>();
  for (const line of statPart.split('\n')) {
    const m = STAT_LINE.exec(line.trim());
    if (!m) continue;
    stats.set(m[1].split('/').pop()!, { size: Number(m[2]), atime: new Date(Number(m[3]) * 1000), mtime: new Date(Number(m[4]) * 1000) });
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
