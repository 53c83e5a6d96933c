/** src/compile-cache.ts: where Node's compile cache goes, and when it stays off. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileCacheDir, enableCompileCache } from '../../src/compile-cache';

let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'satoken-cc-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const uid = process.getuid?.();
/** A fake node:module that records the directory it was given. */
const recorder = () => {
  const calls: Array<string | undefined> = [];
  return { calls, mod: { enableCompileCache: (dir?: string) => void calls.push(dir) } };
};

test('$XDG_CACHE_HOME/kubectl-satoken when set (absolute), else a per-user directory in the temp dir', () => {
  expect(compileCacheDir({ env: { XDG_CACHE_HOME: '/home/a/.cache' }, uid: 1000, tmpdir: '/tmp' })).toBe('/home/a/.cache/kubectl-satoken');
  expect(compileCacheDir({ env: { XDG_CACHE_HOME: 'relative' }, uid: 1000, tmpdir: '/tmp' })).toBe('/tmp/kubectl-satoken-compile-cache-1000');
  expect(compileCacheDir({ env: {}, uid: undefined, tmpdir: 'C:\\Temp' })).toBe(path.join('C:\\Temp', 'kubectl-satoken-compile-cache-user'));
});

test('enables the cache in a private directory it creates (mode 0700)', () => {
  const { calls, mod } = recorder();
  const dir = enableCompileCache({ env: {}, uid, tmpdir: work }, mod);
  expect(dir).toBe(path.join(work, `kubectl-satoken-compile-cache-${uid ?? 'user'}`));
  expect(calls).toEqual([dir]);
});

const posix = uid === undefined ? test.skip : test; // Windows has no uid or mode bits to check
posix('refuses a directory others may write to: its code could be injected into our process', () => {
  const dir = path.join(work, `kubectl-satoken-compile-cache-${uid}`);
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  const { calls, mod } = recorder();
  expect(enableCompileCache({ env: {}, uid, tmpdir: work }, mod)).toBeUndefined();
  expect(calls).toEqual([]);
});

test('stays off, silently, when it cannot be used', () => {
  const { calls, mod } = recorder();
  // NODE_DISABLE_COMPILE_CACHE is Node's own switch
  expect(enableCompileCache({ env: { NODE_DISABLE_COMPILE_CACHE: '1' }, uid, tmpdir: work }, mod)).toBeUndefined();
  // a Node without module.enableCompileCache
  expect(enableCompileCache({ env: {}, uid, tmpdir: work }, {})).toBeUndefined();
  // the directory cannot be created (a file is in the way)
  writeFileSync(path.join(work, 'file'), '');
  expect(enableCompileCache({ env: { XDG_CACHE_HOME: path.join(work, 'file') }, uid, tmpdir: work }, mod)).toBeUndefined();
  // enableCompileCache itself throws
  expect(enableCompileCache({ env: {}, uid, tmpdir: work }, { enableCompileCache: () => { throw new Error('EROFS'); } })).toBeUndefined();
  expect(calls).toEqual([]);
});
