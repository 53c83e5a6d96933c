/** --since/--until and the period flags: RFC 3339 instants, or durations relative to the injected clock. */
import { UsageError } from '../../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 };

/** `90s`, `15m`, `24h`, `7d`, `1h30m` → milliseconds; undefined when it is not a duration. */
export function durationMs(text: string): number | undefined {
  const t = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let end = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = re.lastIndex;
  }
  return t !== '' && end === t.length ? total : undefined;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?)?$/;

/** An instant: RFC 3339 (a bare date is midnight UTC), or a duration meaning that long before `now`. */
export function parseInstant(text: string, flag: string, now: Date): number {
  const d = durationMs(text);
  if (d !== undefined) return now.getTime() - d;
  const t = text.trim();
  if (RFC3339.test(t)) {
    const withZone = /[Zz]|[+-]\d{2}:\d{2}$/.test(t.slice(10)) || t.length === 10 ? t : `${t}Z`;
    const ms = Date.parse(t.length === 10 ? `${t}T00:00:00Z` : withZone);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(`invalid ${flag} "${text}" (use RFC 3339 such as 2026-11-28T16:00:00Z, or a duration such as 24h or 7d)`);
}

/** A positive duration flag (e.g. --clean-up-period 365d) in whole seconds. */
export function parsePeriod(text: string, flag: string): number {
  const d = durationMs(text);
  if (d === undefined || d <= 0) throw new UsageError(`invalid ${flag} "${text}" (use a duration such as 365d or 8760h)`);
  return Math.floor(d / 1000);
}
