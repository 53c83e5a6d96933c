/**
 * Time bounds that hold on a loaded machine. A test that asks "did the command stop at its
 * deadline?" measures from the deadline's own start (the request reaching the server, the signal
 * being sent) and allows LATE_MS after it: what a timer, a promise chain and a few writes may take
 * on two cores at load average 15–25 (measured there: up to 1.9 s past a 2 s request timeout, and
 * 2.4 s from an abort to the promise settling). A command that ignored its deadline would instead
 * run to the next one the test sets (30 s, or Jest's timeout), so the bound still tells them apart.
 */
export const LATE_MS = 6000;

/** The first moment `count()` grows past its value now (polled every 5 ms), or undefined if never. */
export function whenGrows(count: () => number): { at: () => number | undefined; reached: Promise<number>; stop: () => void } {
  const mark = count();
  let at: number | undefined;
  let resolve!: (t: number) => void;
  const reached = new Promise<number>((r) => (resolve = r));
  const timer = setInterval(() => {
    if (count() > mark) {
      at = Date.now();
      clearInterval(timer);
      resolve(at);
    }
  }, 5);
  timer.unref();
  return { at: () => at, reached, stop: () => clearInterval(timer) };
}
