/**
 * How the fuzz tests are seeded and sized. Every run is reproducible: the seed comes from
 * FUZZ_SEED (default fixed, so `npm test` is deterministic), and a failure names it with the
 * command that replays it. FUZZ_SCALE multiplies the number of runs (`npm run fuzz` sets it > 1).
 */
import fc from 'fast-check';

/** The default seed of `npm test`; `npm run fuzz` picks a fresh one and prints it. */
const DEFAULT_SEED = 20261128;

export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : DEFAULT_SEED;
export const FUZZ_SCALE = process.env.FUZZ_SCALE ? Math.max(0.01, Number(process.env.FUZZ_SCALE)) : 1;

/** Runs scaled by FUZZ_SCALE, never fewer than `min`. */
export const runs = (n: number, min = 1): number => Math.max(min, Math.round(n * FUZZ_SCALE));

/**
 * fc.assert with the seed fixed and, on failure, one leading line that says how to replay it
 * (fast-check's own report, with its seed and shrink path, follows).
 */
export async function check<T>(name: string, property: fc.IAsyncPropertyWithHooks<T> | fc.IPropertyWithHooks<T>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property as fc.IAsyncProperty<T>, { seed: FUZZ_SEED, numRuns, endOnFailure: false });
  } catch (e) {
    const err = e as Error & { cause?: unknown };
    const cause = err.cause instanceof Error ? `${err.cause.name}: ${err.cause.message}` : '';
    // Counterexamples can be 60 KiB of base64: keep the report readable.
    const report = err.message.replace(/"[^"]{400,}"/g, (m) => `${m.slice(0, 200)}…(${m.length} chars)"`);
    const msg = `fuzz "${name}" failed with seed ${FUZZ_SEED} (replay: FUZZ_SEED=${FUZZ_SEED} FUZZ_SCALE=${FUZZ_SCALE} npx jest tests/fuzz)\n${cause}\n${report}`;
    throw Object.assign(new Error(msg), { stack: msg });
  }
}

/** A test's time limit, scaled with its runs. */
export const limit = (ms: number): number => Math.round(ms * Math.max(1, FUZZ_SCALE));
