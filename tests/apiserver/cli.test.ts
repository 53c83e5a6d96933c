/** `npm run cluster` flags: where the emulated clock starts. */
import { parseArgs } from './cli';
import { DEMO_ELAPSED_SECONDS } from './scenarios/demo';

test('--scenarios demo without --now starts the clock in the past by what the scenario advances, so that its now is the wall clock', () => {
  const before = Date.now();
  const o = parseArgs(['--kubeconfig', '/tmp/x/config', '--scenarios', 'demo']);
  const after = Date.now();
  const start = o.now!.getTime();
  expect(start).toBeGreaterThanOrEqual(before - DEMO_ELAPSED_SECONDS * 1000);
  expect(start).toBeLessThanOrEqual(after - DEMO_ELAPSED_SECONDS * 1000);
});

test('an explicit --now wins; without the demo scenario the clock starts at the wall clock (no now)', () => {
  expect(parseArgs(['--kubeconfig', 'k', '--scenarios', 'demo', '--now', '2026-01-02T03:04:05Z']).now).toEqual(new Date('2026-01-02T03:04:05Z'));
  expect(parseArgs(['--kubeconfig', 'k']).now).toBeUndefined();
  expect(parseArgs(['--kubeconfig', 'k', '--scenarios', 'none']).now).toBeUndefined();
});
