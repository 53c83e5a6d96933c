/**
 * A reader that goes away (`kubectl satoken … | head -1`) ends the plugin quietly, as kubectl ends
 * on SIGPIPE: no EPIPE stack trace. The pipe is closed before the plugin writes, so its write fails
 * (the test fails without the handler in src/main.ts: checked by removing it).
 */
import { spawn } from 'node:child_process';
import { makeBoundToken } from '../support/tokens';
import { BIN, NODE24, ensureBundle } from '../support/bundle';

beforeAll(() => ensureBundle(), 120_000);

test('output cut short by the reader: exit quietly, no stack trace', async () => {
  const token = makeBoundToken({ issuedAt: new Date(Date.now() - 60_000), claims: { padding: 'x'.repeat(40_000) } });
  const child = spawn(NODE24, [BIN, 'decode', '-o', 'json', '--show-token', token], { env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' } });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  // Hang up before reading anything, as a reader that has already exited would.
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(stderr).not.toMatch(/EPIPE|at .*\(node:/);
  expect(code).toBe(0);
});
