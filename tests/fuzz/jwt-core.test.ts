/**
 * Fuzz of the JWT core (src/jwt): over 100,000 generated and mutated inputs through parseToken
 * and inspectToken. Each one either gives a TokenInspection that survives JSON.stringify (what
 * -o json prints), or throws TokenFormatError (the cli's exit 2) with a one-line message that
 * quotes no part of the input. Nothing else may escape: no RangeError, no TypeError, no hang.
 */
import fc from 'fast-check';
import { inspectToken, parseToken, TokenFormatError, type Jwks } from '../../src/jwt';
import { jwksOf, KEYS, TEST_ISSUER, TEST_NOW } from '../support/tokens';
import { check, limit, runs } from './settings';
import { anyTokenInput, deepToken, hugeToken, mutatedToken } from './token-arbitraries';

const opts = { now: TEST_NOW, source: 'fuzz', expectedIssuers: [TEST_ISSUER], expectedAudiences: ['vault'] };

/** Pieces of the input long enough to be a secret: none may appear in an error message. */
function secretPieces(input: string): string[] {
  return input.split(/[.\s]/).filter((p) => p.length >= 16);
}

/** The one property: a result or a TokenFormatError that names the problem and echoes nothing. */
async function judgeOne(input: string, withKeys = false): Promise<'result' | 'format-error'> {
  try {
    const r = await inspectToken(input, withKeys ? { ...opts, jwks: jwksOf(KEYS.rsa, KEYS.ec) as unknown as Jwks } : opts);
    if (r.kind !== 'TokenInspection') throw new Error(`unexpected result kind ${String(r.kind)}`);
    JSON.stringify(r);
    const signature = input.trim().split('.')[2] ?? '';
    if (signature.length >= 16 && JSON.stringify(r).includes(signature)) {
      // The signature may only appear when the caller asked for the whole token.
      throw new Error('the inspection carries the signature');
    }
    return 'result';
  } catch (e) {
    if (!(e instanceof TokenFormatError)) throw e;
    if (e.message.includes('\n') || e.message === '') throw new Error(`not one line: ${JSON.stringify(e.message)}`);
    for (const p of secretPieces(input)) if (e.message.includes(p)) throw new Error('the error message echoes the input');
    return 'format-error';
  }
}

describe('JWT core under fuzzing', () => {
  const counts = { result: 0, 'format-error': 0 };

  test(`${runs(100_000)} mixed inputs: a result or TokenFormatError`, async () => {
    await check(
      'jwt core, mixed',
      fc.asyncProperty(anyTokenInput, async (t) => {
        counts[await judgeOne(t)]++;
      }),
      runs(100_000),
    );
    // Both branches are exercised: the generators are not all rejected at the first check.
    expect(counts.result).toBeGreaterThan(runs(100_000) / 50);
    expect(counts['format-error']).toBeGreaterThan(runs(100_000) / 4);
  }, limit(120_000));

  test(`${runs(2_000)} mutated signed tokens verified against the issuer keys`, async () => {
    const seen = new Set<string>();
    await check(
      'jwt core, verify',
      fc.asyncProperty(mutatedToken, async (t) => {
        seen.add(await judgeOne(t, true));
      }),
      runs(2_000),
    );
    expect(seen).toEqual(new Set(['result', 'format-error']));
  }, limit(60_000));

  test(`${runs(300)} deeply nested JSON (up to 40,000 levels)`, async () => {
    await check(
      'jwt core, deep',
      fc.asyncProperty(deepToken, async (t) => {
        const outcome = await judgeOne(t);
        // Over 64 KiB it is refused for its size first; under, for its depth.
        if (Buffer.byteLength(t) <= 64 * 1024) {
          expect(outcome).toBe('format-error');
          expect(() => parseToken(t)).toThrow(/nests JSON more than 100 levels deep/);
        }
      }),
      runs(300),
    );
  }, limit(60_000));

  test(`${runs(300)} huge tokens (8–80 KiB): over 64 KiB is refused as too large`, async () => {
    await check(
      'jwt core, huge',
      fc.asyncProperty(hugeToken, async (t) => {
        const outcome = await judgeOne(t);
        if (Buffer.byteLength(t) > 64 * 1024) {
          expect(outcome).toBe('format-error');
          expect(() => parseToken(t)).toThrow(/at most 64 KiB/);
        }
      }),
      runs(300),
    );
  }, limit(60_000));
});
