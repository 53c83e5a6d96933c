/**
 * The bounded-memory claim, tested honestly: a 50 MB log generated on the fly (never on disk) is
 * streamed through the real reader and aggregator; the heap, measured after forced GCs at several
 * points of the stream, must not grow with the amount read. A control run that keeps what it reads
 * shows the measurement would catch a leak. (A 1 GiB run is a benchmark, not a CI test.)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runAudit } from '../../../../src/commands/audit/run';
import { eventStream } from '../../../fixtures/audit/generate';
import { fakeDeps } from './helpers';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;

/** Wraps eventStream, sampling the heap after a GC every `every` bytes. */
function measured(total: number, every: number) {
  const samples: number[] = [];
  let read = 0;
  async function* stream(): AsyncGenerator<Buffer> {
    let next = every;
    for await (const chunk of eventStream(total)) {
      read += chunk.length;
      if (read >= next) {
        gc();
        samples.push(process.memoryUsage().heapUsed);
        next += every;
      }
      yield chunk;
    }
  }
  return { stream, samples, read: () => read, growth: () => Math.max(...samples.slice(1)) - samples[0]! };
}

test('50 MB of audit events: heap stays flat, aggregates stay per workload', async () => {
  const m = measured(50 * MB, 5 * MB);
  const started = Date.now();
  const { result } = await runAudit(
    { sources: [{ name: 'generated', open: async () => m.stream() }], clusterLookup: false, periodDays: 365, extensionSeconds: 365 * 86400 },
    fakeDeps(),
  );
  const seconds = (Date.now() - started) / 1000;

  expect(m.read()).toBeGreaterThanOrEqual(50 * MB);
  expect(result.summary.events).toBeGreaterThan(40_000);
  // Seven workloads in the generator, five misbehaving: five aggregates whatever the log size.
  expect(result.items).toHaveLength(5);
  expect(m.samples.length).toBeGreaterThanOrEqual(9);
  // Held events would cost well over 50 MB; a flat heap varies by a few MB at most.
  expect(m.growth()).toBeLessThan(8 * MB);
  process.stdout.write(
    `audit memory: ${(m.read() / MB).toFixed(0)} MB in ${seconds.toFixed(1)} s; heap after GC from ` +
      `${(m.samples[0]! / MB).toFixed(1)} MB, max growth ${(m.growth() / MB).toFixed(1)} MB over ${m.samples.length} samples\n`,
  );
}, 20_000);

test('control: a reader that keeps its lines grows the heap by about the log size', async () => {
  const m = measured(20 * MB, 4 * MB);
  const kept: string[] = [];
  for await (const chunk of m.stream()) kept.push(chunk.toString('utf8'));
  expect(kept.length).toBeGreaterThan(0);
  expect(m.growth()).toBeGreaterThan(10 * MB);
});
