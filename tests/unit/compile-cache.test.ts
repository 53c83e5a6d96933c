/** src/compile-cache.ts: where the code caches go, and when they stay off. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { codeCacheDir, compileCacheDir } from '../../src/compile-cache';

let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'satoken-cc-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const uid = process.getuid?.();

test('$XDG_CACHE_HOME/kubectl-satoken when set (absolute), else a per-user directory in the temp dir', () => {
  expect(compileCacheDir({ env: { XDG_CACHE_HOME: '/home/a/.cache' }, uid: 1000, tmpdir: '/tmp' })).toBe('/home/a/.cache/kubectl-satoken');
  expect(compileCacheDir({ env: { XDG_CACHE_HOME: 'relative' }, uid: 1000, tmpdir: '/tmp' })).toBe('/tmp/kubectl-satoken-compile-cache-1000');
  expect(compileCacheDir({ env: {}, uid: undefined, tmpdir: 'C:\\Temp' })).toBe(path.join('C:\\Temp', 'kubectl-satoken-compile-cache-user'));
});

test('a private directory it creates (mode 0700)', () => {
  const dir = codeCacheDir({ env: {}, uid, tmpdir: work });
  expect(dir).toBe(path.join(work, `kubectl-satoken-compile-cache-${uid ?? 'user'}`));
  if (uid !== undefined) expect(statSync(dir!).mode & 0o777).toBe(0o700);
});

const posix = uid === undefined ? test.skip : test; // Windows has no uid or mode bits to check
posix('refuses a directory others may write to: its code could be injected into our process', () => {
  const dir = path.join(work, `kubectl-satoken-compile-cache-${uid}`);
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  expect(codeCacheDir({ env: {}, uid, tmpdir: work })).toBeUndefined();
});

test('stays off, silently, when it cannot be used', () => {
  // NODE_DISABLE_COMPILE_CACHE is Node's own switch
  expect(codeCacheDir({ env: { NODE_DISABLE_COMPILE_CACHE: '1' }, uid, tmpdir: work })).toBeUndefined();
  // the directory cannot be created (a file is in the way)
  writeFileSync(path.join(work, 'file'), '');
  expect(codeCacheDir({ env: { XDG_CACHE_HOME: path.join(work, 'file') }, uid, tmpdir: work })).toBeUndefined();
});

test('creates a missing parent (~/.cache), but no deeper; a path where mkdir cannot work is no cache, at once', () => {
  expect(codeCacheDir({ env: { XDG_CACHE_HOME: path.join(work, 'home', '.cache') }, uid, tmpdir: work })).toBeUndefined(); // home/ missing too
  mkdirSync(path.join(work, 'home'));
  expect(codeCacheDir({ env: { XDG_CACHE_HOME: path.join(work, 'home', '.cache') }, uid, tmpdir: work })).toBe(path.join(work, 'home', '.cache', 'kubectl-satoken'));
  // mkdirSync({recursive: true}) loops for ever here (ENOENT under an existing parent)
  if (process.platform === 'linux') expect(codeCacheDir({ env: { XDG_CACHE_HOME: '/proc/self' }, uid, tmpdir: work })).toBeUndefined();
});
