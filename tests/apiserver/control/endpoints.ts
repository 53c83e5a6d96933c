/**
 * The emulator's control endpoints (admin only; the server checks system:masters):
 * POST /_emulator/clock {advanceSeconds} → {now}; POST /_emulator/faults {pathRegex, status,
 * count, delayMs, drop, hang | reset} → {faults}; GET /_emulator/faults lists them.
 */
import type { Cluster } from '../cluster';
import { badRequest } from '../errors';
import { json, Reply } from '../http/respond';
import type { RoutedRequest } from '../http/router';
import { rfc3339 } from '../store/store';

export function advanceClock(cluster: Cluster, seconds: number): void {
  cluster.clock.advance(seconds);
  for (const fn of cluster.onClockAdvance) fn();
}

export function handleControl(cluster: Cluster, r: RoutedRequest): Reply | undefined {
  const p = r.url.pathname;
  if (p === '/_emulator/clock') {
    if (r.method === 'POST') {
      const n = Number(r.body?.advanceSeconds);
      if (!Number.isFinite(n) || n < 0) throw badRequest('advanceSeconds must be a non-negative number');
      advanceClock(cluster, n);
    }
    return json(200, { now: rfc3339(cluster.clock.now()) });
  }
  if (p === '/_emulator/faults') {
    if (r.method === 'POST') {
      if (!r.body || typeof r.body !== 'object') throw badRequest('a fault object is required');
      if (r.body.pathRegex !== undefined) {
        try {
          new RegExp(r.body.pathRegex);
        } catch (e) {
          throw badRequest(`pathRegex: ${(e as Error).message}`);
        }
      }
      cluster.faults.add(r.body);
    }
    return json(200, { faults: cluster.faults.list() });
  }
  return undefined;
}
