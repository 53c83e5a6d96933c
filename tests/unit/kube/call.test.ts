/** runCall's retry policy and deadline, with a fake clock and sleep (no network). */
import { ApiError, ConnectionError } from '../../../src/kube/errors';
import { type CallSettings, defaultSleep, MAX_RETRY_WAIT_MS, parseWarnings, retryAfterMs, runCall } from '../../../src/kube/call';

function fakeTime() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}
const apiEx = (code: number, headers: Record<string, string> = {}) => Object.assign(new Error(`HTTP ${code}`), { code, body: JSON.stringify({ kind: 'Status', code, reason: 'X', message: `m${code}` }), headers });
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

function settings(over: Partial<CallSettings> = {}) {
  const time = fakeTime();
  const s: CallSettings = { server: 'https://k', timeoutMs: 30_000, signal: new AbortController().signal, ownCredentials: true, now: time.now, sleep: time.sleep, ...over };
  return { s, time };
}

/** An attempt function that fails with the given errors in turn, then returns 'ok'. */
function failing(errors: unknown[]) {
  let n = 0;
  const fn = async () => {
    n++;
    if (errors.length) throw errors.shift();
    return 'ok';
  };
  return { fn, calls: () => n };
}

it('idempotent: 429, 503 and a reset are retried with doubling backoff', async () => {
  const { s, time } = settings();
  const f = failing([apiEx(429), apiEx(503), reset()]);
  expect((await runCall(s, 'get x', 'idempotent', f.fn)).value).toBe('ok');
  expect(f.calls()).toBe(4);
  expect(time.sleeps).toEqual([250, 500, 1000]);
});

it('Retry-After replaces the backoff', async () => {
  const { s, time } = settings();
  const f = failing([apiEx(429, { 'retry-after': '3' })]);
  await runCall(s, 'get x', 'idempotent', f.fn);
  expect(time.sleeps).toEqual([3000]);
});

it('gives up after maxAttempts with the last error, mapped', async () => {
  const { s } = settings({ maxAttempts: 2 });
  const f = failing([apiEx(503), apiEx(502), apiEx(500)]);
  const e = await runCall(s, 'get x', 'idempotent', f.fn).catch((x) => x);
  expect(e).toBeInstanceOf(ApiError);
  expect(e).toMatchObject({ code: 502, serverMessage: 'm502', operation: 'get x' });
  expect(f.calls()).toBe(2);
});

it('writes: 429 retried, 5xx and resets not; 4xx never', async () => {
  const w1 = failing([apiEx(429)]);
  await runCall(settings().s, 'create x', 'write', w1.fn);
  expect(w1.calls()).toBe(2);
  for (const err of [apiEx(500), reset(), apiEx(409)]) {
    const f = failing([err]);
    await expect(runCall(settings().s, 'create x', 'write', f.fn)).rejects.toBeInstanceOf(Error);
    expect(f.calls()).toBe(1);
  }
  const r = failing([apiEx(404)]);
  await expect(runCall(settings().s, 'get x', 'idempotent', r.fn)).rejects.toMatchObject({ code: 404 });
  expect(r.calls()).toBe(1);
});

it('a Retry-After past the longest sane wait ends the call with the server\'s error, even with no timeout', async () => {
  for (const after of ['99999999', '9'.repeat(400), String(MAX_RETRY_WAIT_MS / 1000 + 1)]) {
    const { s, time } = settings({ timeoutMs: 0 });
    const f = failing([apiEx(429, { 'retry-after': after })]);
    await expect(runCall(s, 'get x', 'idempotent', f.fn)).rejects.toMatchObject({ code: 429 });
    expect(f.calls()).toBe(1);
    expect(time.sleeps).toEqual([]);
  }
  const { s, time } = settings({ timeoutMs: 0 });
  await runCall(s, 'get x', 'idempotent', failing([apiEx(503, { 'retry-after': String(MAX_RETRY_WAIT_MS / 1000) })]).fn);
  expect(time.sleeps).toEqual([MAX_RETRY_WAIT_MS]);
});

it('the real sleep never hands setTimeout more than it can hold', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  const ctl = new AbortController();
  const slept = defaultSleep(99_999_999_000, ctl.signal);
  const early = await Promise.race([slept.then(() => 'fired'), new Promise((r) => setTimeout(() => r('waiting'), 50))]);
  ctl.abort();
  await slept.catch(() => {});
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  expect(early).toBe('waiting');
  expect(warnings).not.toContain('TimeoutOverflowWarning');
});

it('no wait goes past the request timeout', async () => {
  const { s, time } = settings({ timeoutMs: 2000 });
  const f = failing([apiEx(429, { 'retry-after': '5' })]);
  await expect(runCall(s, 'get x', 'idempotent', f.fn)).rejects.toMatchObject({ code: 429 });
  expect(time.sleeps).toEqual([]);
  // Backoff that would cross the deadline stops too.
  const t2 = settings({ timeoutMs: 600 });
  const g = failing([reset(), reset(), reset()]);
  const e = await runCall(t2.s, 'get x', 'idempotent', g.fn).catch((x) => x);
  expect(e).toBeInstanceOf(ConnectionError);
  expect(t2.time.sleeps).toEqual([250]);
});

it('each attempt gets a signal that ends at the deadline and on Ctrl-C', async () => {
  const ctl = new AbortController();
  const { s } = settings({ signal: ctl.signal, timeoutMs: 0 });
  const seen: AbortSignal[] = [];
  await runCall(s, 'get x', 'idempotent', async (a) => {
    const ctx = { setSignal: (sig: AbortSignal) => seen.push(sig) };
    await a.middleware.pre(ctx);
    return 1;
  });
  expect(seen[0]).toBe(ctl.signal); // timeout 0: only Ctrl-C
  const timed = settings({ signal: ctl.signal, timeoutMs: 50, now: Date.now, sleep: undefined }).s;
  await runCall(timed, 'get x', 'idempotent', async (a) => {
    await a.middleware.pre({ setSignal: (sig: AbortSignal) => seen.push(sig) });
    return 1;
  });
  expect(seen[1]).not.toBe(ctl.signal);
  await new Promise((r) => setTimeout(r, 80));
  expect(seen[1].aborted).toBe(true);
  expect(ctl.signal.aborted).toBe(false);
});

it('interrupted by Ctrl-C: no retry, one clear error', async () => {
  const ctl = new AbortController();
  const { s } = settings({ signal: ctl.signal });
  const e = await runCall(s, 'get x', 'idempotent', async () => {
    ctl.abort();
    throw Object.assign(new Error('aborted'), { name: 'AbortError' });
  }).catch((x) => x);
  expect(e.message).toBe('interrupted');
});

it('Warning values: one or several per line, quotes unescaped', () => {
  expect(parseWarnings(['299 - "a", 299 - "b \\"c\\""', '299 kube-apiserver "d" "Mon, 01 Jan 2024 00:00:00 GMT"', 'free text'])).toEqual(['a', 'b "c"', 'd', 'free text']);
});

it('Retry-After as seconds or an HTTP date', () => {
  expect(retryAfterMs({ 'retry-after': '7' }, 0)).toBe(7000);
  const now = Date.parse('2030-01-01T00:00:00Z');
  expect(retryAfterMs({ 'retry-after': 'Tue, 01 Jan 2030 00:00:04 GMT' }, now)).toBe(4000);
  expect(retryAfterMs({}, now)).toBeUndefined();
});
