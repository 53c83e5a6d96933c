/**
 * A bound on V8's young generation for scans that LIST a whole cluster page by page (issue 8).
 *
 * V8 grows the young generation (two semi-spaces) each time the bytes that survived young GCs since
 * its last growth exceed its size, up to 64 MB per semi-space on these machines: 128 MB resident
 * that the GC never gives back. A scan cannot keep its survivors below that: a young GC mostly
 * strikes inside JSON.parse of a LIST page, when the page's text and the half-built page are alive,
 * so every 500-object page leaves a MB or two of survivors however little the scan keeps, and a few
 * hundred pages add up. migrate-legacy -A and diagnose -A at the scale benchmark reached the full
 * 128 MB (peak RSS 270-330 MB, most of the rest being Node itself and the retained result).
 *
 * Growth stops once the young generation holds 32 MB (16 MB semi-spaces): at scale that cut peak
 * RSS to ~190 MB for both scans with no measurable loss of speed (young GCs are more frequent but
 * each copies as little as before). Stopping it from the start (semi-spaces of 1 MB, the
 * `--semi-space-growth-factor=1` command-line flag) made diagnose -A 20-40% slower. The growth
 * factor is read when V8 next grows the space, so setting it at run time takes effect at once;
 * the scans call this once per page, so the bound holds within one growth step.
 */
/** Young-generation size (both semi-spaces) at which growth stops. */
export const YOUNG_GENERATION_BOUND = 32 * 1024 * 1024;

let bounded = false;

/**
 * Stops the young generation's growth once it reaches the bound; cheap to call per page. node:v8
 * is loaded on the first call, not with the module: start-up loads no builtin a command may not need.
 */
export async function boundYoungGeneration(): Promise<void> {
  if (bounded) return;
  const v8 = await import('node:v8');
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (!young || young.space_size < YOUNG_GENERATION_BOUND) return;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  bounded = true;
}
