import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { readFileCapped, readFileCappedSync, readStreamCapped } from '../../src/bounded-read';
import { formatBytes, jsonValueBytes, TooLargeError } from '../../src/limits';

const dir = mkdtempSync(path.join(tmpdir(), 'satoken-bounded-'));
const file = (name: string, bytes: number) => {
  const p = path.join(dir, name);
  writeFileSync(p, Buffer.alloc(bytes, 'x'));
  return p;
};

describe.each([
  ['readFileCapped', (p: string, limit: number) => readFileCapped(p, limit, 'a token file')],
  ['readFileCappedSync', async (p: string, limit: number) => readFileCappedSync(p, limit, 'a token file')],
])('%s', (_name, read) => {
  test('a file of exactly the cap is read whole', async () => {
    expect((await read(file('exact', 1000), 1000)).length).toBe(1000);
  });
  test('one byte more is refused, with the cap and the kind of read in the message', async () => {
    await expect(read(file('over', 1001), 1000)).rejects.toThrow(new TooLargeError('larger than 1000 bytes, the limit for a token file'));
  });
  test('a device with no size (/dev/zero) stops one byte past the cap', async () => {
    await expect(read('/dev/zero', 64 * 1024 + 5)).rejects.toBeInstanceOf(TooLargeError);
  });
  test('a missing file fails as node:fs says (ENOENT), a directory as EISDIR', async () => {
    await expect(read(path.join(dir, 'nope'), 10)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(read(dir, 10)).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

test('readStreamCapped stops at the cap', async () => {
  await expect(readStreamCapped(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1000, 'a token on stdin')).rejects.toThrow('larger than 1000 bytes, the limit for a token on stdin');
  expect((await readStreamCapped(Readable.from([Buffer.alloc(500), 'abc']), 1000, 'x')).length).toBe(503);
});

test('formatBytes and jsonValueBytes', () => {
  expect(formatBytes(32 * 1024 * 1024)).toBe('32 MiB');
  expect(formatBytes(1024)).toBe('1 KiB');
  expect(formatBytes(1000)).toBe('1000 bytes');
  expect(jsonValueBytes(Buffer.from('{"a":[1,2,{}]}'))).toBe(5);
  expect(jsonValueBytes(Buffer.from('xx{,[yy'), 2, 5)).toBe(3);
});
