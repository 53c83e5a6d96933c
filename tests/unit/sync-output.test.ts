/** src/sync-output.ts: the fast path's stdout (writeSync, EPIPE) and its isatty without node:tty. */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isTerminal, syncSink } from '../../src/sync-output';

let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'satoken-sync-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

test('writes every byte, in order, and never asks the caller to wait', () => {
  const file = path.join(work, 'out');
  const fd = openSync(file, 'w');
  const sink = syncSink(fd, {
    brokenPipe: () => {
      throw new Error('not a pipe');
    },
    failed: (e) => {
      throw e;
    },
  });
  const big = 'é'.repeat(300_000);
  expect(sink.write('first\n')).toBe(true);
  expect(sink.write(big)).toBe(true);
  closeSync(fd);
  expect(readFileSync(file, 'utf8')).toBe(`first\n${big}`);
});

// (A broken pipe ends through brokenPipe: tests/e2e/fast-path.test.ts closes the reader of the built launcher.)
test('a full disk ends through failed(), with the error', () => {
  const calls: string[] = [];
  const failure = {
    brokenPipe: (): never => {
      calls.push('brokenPipe');
      throw new Error('stop');
    },
    failed: (e: NodeJS.ErrnoException): never => {
      calls.push(`failed ${e.code}`);
      throw new Error('stop');
    },
  };
  const full = openSync('/dev/full', 'w');
  expect(() => syncSink(full, failure).write('x')).toThrow('stop');
  closeSync(full);
  expect(calls).toEqual(['failed ENOSPC']);
});

test('a file or /dev/null is no terminal, and node:tty is not asked; a closed descriptor is none either', () => {
  const asked: string[] = [];
  const isatty = (name: string) => () => {
    asked.push(name);
    return true;
  };
  const fd = openSync(path.join(work, 'f'), 'w');
  const nul = openSync('/dev/null', 'w');
  expect(isTerminal(fd, isatty('file'))).toBe(false);
  expect(isTerminal(nul, isatty('/dev/null'))).toBe(false);
  closeSync(fd);
  closeSync(nul);
  expect(isTerminal(fd, isatty('closed'))).toBe(false);
  expect(asked).toEqual([]);
});

test('another character device is asked about', () => {
  const fd = openSync('/dev/zero', 'r');
  expect(isTerminal(fd, () => true)).toBe(true);
  expect(isTerminal(fd, () => false)).toBe(false);
  closeSync(fd);
});
