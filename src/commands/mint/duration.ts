/**
 * Go's time.ParseDuration, which kubectl's `--duration` flag uses: `10m`, `1h30m`, `3600s`, `1.5h`,
 * `0`. A bare number other than 0 has no unit and is refused, as kubectl refuses it.
 */

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds (a Number: exact to 2^53 ns ≈ 104 days, and exact for whole seconds far beyond). */
export function parseGoDuration(text: string): number {
  const fail = (why: string): never => {
    throw new Error(`time: ${why} in duration "${text}"`);
  };
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s[0] === '-' ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') fail('invalid duration');
  let total = 0;
  const re = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)?/y;
  while (s.length > 0) {
    re.lastIndex = 0;
    const m = re.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) fail('invalid duration');
    if (!m![3]) {
      const unit = /^[^\d.]+/.exec(s.slice(m![0].length));
      fail(unit ? `unknown unit "${unit[0]}"` : 'missing unit');
    }
    const whole = m![1] === '' ? 0 : Number(m![1]);
    const frac = m![2] ? Number(`0.${m![2]}`) : 0;
    total += (whole + frac) * UNIT_NS[m![3]];
    s = s.slice(m![0].length);
  }
  return sign * total;
}
