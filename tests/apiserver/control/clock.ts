/**
 * The emulated clock. It runs with real time from a chosen start and can be moved forward
 * (POST /_emulator/clock): token expiry, kubelet rotation and last-used dates all read it.
 */
export interface Clock {
  now(): Date;
  advance(seconds: number): void;
}

export function createClock(start?: Date): Clock {
  const realStart = Date.now();
  const base = start ? start.getTime() : realStart;
  let offsetMs = 0;
  return {
    now: () => new Date(base + (Date.now() - realStart) + offsetMs),
    advance: (seconds: number) => {
      offsetMs += seconds * 1000;
    },
  };
}
