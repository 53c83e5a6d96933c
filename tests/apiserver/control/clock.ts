/**
 * The emulated clock. It runs with real time from a chosen start and can be moved forward
 * (POST /_emulator/clock): token expiry, kubelet rotation and last-used dates all read it.
 *
 * A request the emulated apps made at an earlier emulated time (audit/traffic.ts sends the requests
 * of a clock advance asynchronously, so they may arrive after a later advance) is served with the
 * clock as it was when it was made: `at()` scopes `now()` to that time for everything the request's
 * handling does (authentication, the stale-token check, the audit stamps), as on a real cluster,
 * where each request is judged and logged when it is made.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Clock {
  now(): Date;
  advance(seconds: number): void;
  /** Runs `fn` with `now()` starting at `madeMs` (emulated) and moving with real time from here. */
  at<T>(madeMs: number, fn: () => T): T;
}

export function createClock(start?: Date): Clock {
  const realStart = Date.now();
  const base = start ? start.getTime() : realStart;
  let offsetMs = 0;
  const scoped = new AsyncLocalStorage<{ madeMs: number; realMs: number }>();
  return {
    now: () => {
      const s = scoped.getStore();
      return new Date(s ? s.madeMs + (Date.now() - s.realMs) : base + (Date.now() - realStart) + offsetMs);
    },
    advance: (seconds: number) => {
      offsetMs += seconds * 1000;
    },
    at: (madeMs, fn) => scoped.run({ madeMs, realMs: Date.now() }, fn),
  };
}
