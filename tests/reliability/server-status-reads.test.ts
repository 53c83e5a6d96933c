/**
 * HTTP errors from the API server, staged with the emulator's fault injection (POST
 * /_emulator/faults): every subcommand that talks to the cluster answers each with exit 1 and one
 * `error:` line that names it, within --request-timeout (1 s here, retries included) plus a second.
 */
import type { Emulator } from '../apiserver';
import { CLUSTER_COMMANDS, errorLines, noCrash, NS, startWorld, timed } from './support/world';

let k: Emulator;
beforeAll(async () => {
  k = await startWorld();
}, 30_000);
afterAll(() => k?.stop());
beforeEach(() => k.adminRequest('POST', '/_emulator/faults', { reset: true }));

const fault = (spec: Record<string, unknown>) => k.adminRequest('POST', '/_emulator/faults', spec);
const run = (args: string[], timeout = '2s') => timed([...args, '--request-timeout', timeout], { kubeconfig: k.kubeconfigPath });
/** Requests since `mark`, as "METHOD path status" (path without query). */
const log = (mark: number) => k.requests.slice(mark).map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`);

/** [status, what the error line says] — the API paths only; the emulator's control endpoints are exempt. */
const STATUSES: Array<[number, RegExp]> = [
  [401, /Unauthorized/],
  [403, /\(403\)/],
  [404, /\(404\)/],
  [409, /\(409\)/],
  [429, /\(429\)/],
  [500, /Internal error occurred: injected fault/],
  [503, /\(503\)/],
];

/** This file takes half the commands (a second file the other half): each file stays short. */
const HALF: Array<keyof typeof CLUSTER_COMMANDS> = ['decode --secret', 'decode --pod', 'diagnose'];

describe.each(Object.entries(CLUSTER_COMMANDS).filter(([n]) => HALF.includes(n)))('%s', (_name, args) => {
  test.each(STATUSES)('HTTP %i on every request → exit 1, one error line, within --request-timeout 1s', async (status, says) => {
    await fault({ pathRegex: '^/(api|apis)/', status });
    const r = await run(args, '1s');
    noCrash(r);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toHaveLength(1);
    expect(errorLines(r)[0]).toMatch(says);
    expect(r.ms).toBeLessThan(2000);
  });
});

