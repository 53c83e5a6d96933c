/** Small wording helpers shared by the checks' messages and evidence (no output/ import: checks compute; times are src/jwt/time.ts's). */
import { fromNow, span as spanSeconds, utcSeconds } from '../jwt/time.js';
import type { Unavailable } from './context.js';

/** `2026-11-28T16:00:00Z (41m ago)` */
export function when(d: Date | string | undefined | null, now: Date): string {
  if (d === undefined || d === null) return '<none>';
  const date = new Date(d);
  return `${utcSeconds(date)} (${fromNow((date.getTime() - now.getTime()) / 1000)})`;
}

/** A duration in ms as kubectl prints ages: 45s, 41m, 3h, 2d, 1y. */
export function span(ms: number): string {
  return spanSeconds(ms / 1000);
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

/** What --no-exec's skips say (commands/diagnose/readers.ts, which a test holds to it): the user chose not to exec. */
export const EXEC_DISABLED = 'disabled by --no-exec';

/**
 * For a skip sentence of skipReason's: what would let the check run, and whether the user chose
 * the skip; undefined when the check does not apply (nothing to prove).
 */
export function skipCause(message: string): { needs: string; byChoice: boolean } | undefined {
  if (message.startsWith('not applicable: ')) return undefined;
  if (message === `exec unavailable: ${EXEC_DISABLED}`) return { needs: 'exec into the container (run without --no-exec)', byChoice: true };
  const denied = /^(?:exec unavailable: )?not permitted: (.+?)(?: \(|$)/.exec(message);
  if (denied) return { needs: `permission to ${denied[1]}`, byChoice: false };
  if (message.startsWith('exec unavailable: ')) return { needs: 'a running container with a shell, or diagnose --self inside the pod', byChoice: false };
  return { needs: 'a retry once the request succeeds', byChoice: false };
}

export function list(xs: string[]): string {
  return xs.length === 0 ? '[]' : `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
}

/** `unset` / `true` / `false`, as a boolean field reads in a spec. */
export function flag(v: boolean | undefined | null): string {
  return v === undefined || v === null ? 'unset' : String(v);
}
