/**
 * NumericDate helpers: the core's times are whole seconds, printed as RFC 3339 UTC. The wording
 * helpers (utcSeconds, span, fromNow) are the one implementation output/ and checks/ use too.
 */

/** go-jose truncates a NumericDate to whole seconds; so do we. */
export function seconds(numericDate: number): number {
  return Math.trunc(numericDate);
}

/** RFC 3339 UTC without milliseconds: 2026-11-28T16:00:00Z (throws on an invalid Date, as toISOString). */
export function utcSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** 2026-11-28T16:00:00Z, or null when absent. */
export function rfc3339(numericDate: number | undefined): string | null {
  if (numericDate === undefined) return null;
  const d = new Date(seconds(numericDate) * 1000);
  if (Number.isNaN(d.getTime())) return null;
  return utcSeconds(d);
}

/** A compact span as kubectl prints ages: 45s, 41m, 3h, 2d, 1y. */
export function span(totalSeconds: number): string {
  const s = Math.floor(Math.abs(totalSeconds));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** `in 41m` / `3h ago`: a signed span in seconds, positive in the future. */
export function fromNow(deltaSeconds: number): string {
  return deltaSeconds >= 0 ? `in ${span(deltaSeconds)}` : `${span(deltaSeconds)} ago`;
}

/** `3h ago` / `in 41m`: a NumericDate against the clock. */
export function relative(numericDate: number, now: Date): string {
  return fromNow(seconds(numericDate) - now.getTime() / 1000);
}

/** `2026-11-28T16:00:00Z (3h ago)`. */
export function when(numericDate: number, now: Date): string {
  return `${rfc3339(numericDate)} (${relative(numericDate, now)})`;
}
