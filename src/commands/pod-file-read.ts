/**
 * Reading one file in a pod's container as decode --pod and test-auth --pod do: `stat`, `cat`,
 * `stat` in one shell, so that a read of ours that moves the file's atime is remembered
 * (own-reads.ts) and a later diagnose does not take it for the app's.
 */
import type { StatTimes } from './own-reads.js';

const BEFORE = '--satoken-read--';
const AFTER = '--satoken-after--';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** stat's errors go nowhere: a missing file is cat's to report (its words, its exit code are not the last one's). */
export function podFileReadCommand(path: string): string[] {
  const q = quote(path);
  const stat = `stat -L -c '%x|%y' ${q} 2>/dev/null`;
  return ['sh', '-c', `${stat}; echo ${BEFORE}; cat ${q}; echo; echo ${AFTER}; ${stat}`];
}

const TIMES = /^([^|\n]+)\|([^|\n]+)$/;

/** The file's text (without the newline the script adds) and its times before and after the read. */
export function parsePodFileRead(stdout: string): { text: string; before?: StatTimes; after?: StatTimes } {
  const b = stdout.indexOf(BEFORE);
  // lastIndexOf: the file is printed before the marker and cannot fake it.
  const a = stdout.lastIndexOf(AFTER);
  if (b < 0 || a < b) return { text: stdout };
  const times = (s: string): StatTimes | undefined => {
    const m = TIMES.exec(s.trim());
    return m ? { atime: m[1], mtime: m[2] } : undefined;
  };
  const before = times(stdout.slice(0, b));
  const after = times(stdout.slice(a + AFTER.length));
  const text = stdout.slice(b + BEFORE.length, a).replace(/^\r?\n/, '').replace(/\r?\n$/, '');
  return { text, ...(before ? { before } : {}), ...(after ? { after } : {}) };
}
