/** Human times for tables: absolute UTC and relative to the injected clock (the wording is src/jwt/time.ts's). */
import { fromNow, utcSeconds } from '../jwt/time.js';

/** RFC 3339 UTC without milliseconds: 2026-11-28T16:00:00Z. */
export function utc(d: Date | string | null | undefined): string {
  if (d === null || d === undefined) return '<none>';
  return utcSeconds(typeof d === 'string' ? new Date(d) : d);
}

/** `in 41m` / `3h ago`. */
export function relative(d: Date | string | null | undefined, now: Date): string {
  if (d === null || d === undefined) return '';
  const t = (typeof d === 'string' ? new Date(d) : d).getTime() - now.getTime();
  return fromNow(t / 1000);
}
