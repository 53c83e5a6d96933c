/** Small wording helpers shared by the checks' messages and evidence (no output/ import: checks compute). */
import type { Unavailable } from './context.js';

/** `2026-11-28T16:00:00Z (41m ago)` */
export function when(d: Date | string | undefined | null, now: Date): string {
  if (d === undefined || d === null) return '<none>';
  const date = new Date(d);
  const iso = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const ms = date.getTime() - now.getTime();
  return `${iso} (${ms >= 0 ? `in ${span(ms)}` : `${span(ms)} ago`})`;
}

/** A duration as kubectl prints ages: 45s, 41m, 3h, 2d, 1y. */
export function span(ms: number): string {
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

/** The sentence a `skip` gives for missing data. */
export function skipReason(why: Unavailable): string {
  switch (why.kind) {
    case 'forbidden':
      return `not permitted: ${why.permission} (${why.message})`;
    case 'no-exec':
      return `exec unavailable: ${why.message}`;
    case 'not-applicable':
      return `not applicable: ${why.message}`;
    case 'error':
      return `could not fetch: ${why.message}`;
    case 'invalid':
      return `unusable: ${why.message}`;
  }
}

export function list(xs: string[]): string {
  return xs.length === 0 ? '[]' : `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
}

/** `unset` / `true` / `false`, as a boolean field reads in a spec. */
export function flag(v: boolean | undefined | null): string {
  return v === undefined || v === null ? 'unset' : String(v);
}
