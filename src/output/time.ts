/** Human times for tables: absolute UTC and relative to the injected clock. */

/** RFC 3339 UTC without milliseconds: 2026-11-28T16:00:00Z. */
export function utc(d: Date | string | null | undefined): string {
  if (d === null || d === undefined) return '<none>';
  const date = typeof d === 'string' ? new Date(d) : d;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Compact duration as kubectl prints ages: 45s, 41m, 3h, 2d, 1y. */
export function shortDuration(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** `in 41m` / `3h ago`. */
export function relative(d: Date | string | null | undefined, now: Date): string {
  if (d === null || d === undefined) return '';
  const t = (typeof d === 'string' ? new Date(d) : d).getTime() - now.getTime();
  return t >= 0 ? `in ${shortDuration(t)}` : `${shortDuration(t)} ago`;
}
