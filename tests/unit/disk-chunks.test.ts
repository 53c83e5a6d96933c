/**
 * src/disk-chunks.ts: dist/'s files required with the V8 code caches earlier runs left — written
 * when missing or refused, used when they fit, never across builds of a file.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cacheFileName, diskChunks, installKey, type DiskChunksHost } from '../../src/disk-chunks';

let work: string;
let dist: string;
let cache: string;
beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'satoken-chunks-'));
  dist = path.join(work, 'dist');
  cache = path.join(work, 'cache');
  mkdirSync(dist);
  mkdirSync(cache);
  // a.cjs requires its sibling b.cjs and a built-in; both have functions worth caching
  writeFileSync(path.join(dist, 'a.cjs'), "const b = require('./b.cjs'); const p = require('node:path'); exports.run = (x) => p.basename(b.twice(x));\n");
  writeFileSync(path.join(dist, 'b.cjs'), 'exports.twice = (x) => `${x}/${x}`;\n');
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const host = (over: Partial<DiskChunksHost> = {}): DiskChunksHost => ({
  dir: dist,
  cacheDir: cache,
  ids: { 'a.cjs': 'id-a1', 'b.cjs': 'id-b1' },
  runtime: '24.0.0-x64',
  builtin: require,
  ...over,
});

function runOnce(h: DiskChunksHost): string[] {
  const chunks = diskChunks(h);
  const a = chunks.require('a.cjs') as { run(x: string): string };
  expect(a.run('x')).toBe('x');
  chunks.save();
  return chunks.report();
}

test('the first run leaves a cache per file; the next run uses them', () => {
  expect(runOnce(host())).toEqual(['a.cjs code cache none', 'b.cjs code cache none']);
  expect(readdirSync(cache).sort()).toEqual([
    expect.stringMatching(new RegExp(`^a\\.cjs\\.${installKey(dist)}\\.id-a1-\\w+\\.24\\.0\\.0-x64\\.v8cache$`)),
    expect.stringMatching(new RegExp(`^b\\.cjs\\.${installKey(dist)}\\.id-b1-\\w+\\.24\\.0\\.0-x64\\.v8cache$`)),
  ]);
  expect(runOnce(host())).toEqual(['a.cjs code cache accepted', 'b.cjs code cache accepted']);
});

test('a new build of a file (another id) neither uses the old cache nor keeps it', () => {
  runOnce(host());
  writeFileSync(path.join(dist, 'b.cjs'), 'exports.twice = (x) => `${x}/${x}/${x}`;\n');
  const next = host({ ids: { 'a.cjs': 'id-a1', 'b.cjs': 'id-b2' } });
  expect(runOnce(next)).toEqual(['a.cjs code cache accepted', 'b.cjs code cache none']);
  expect(readdirSync(cache).filter((f) => f.startsWith('b.cjs.'))).toEqual([expect.stringContaining('.id-b2-')]);
});

test('a file edited after the build (same length, same build id) does not run from the old cache', () => {
  runOnce(host());
  const b = path.join(dist, 'b.cjs');
  // Same length as before: V8 would accept the old cache, and run the old code.
  writeFileSync(b, 'exports.twice = (x) => `${x}+${x}`;\n');
  utimesSync(b, new Date(), new Date(Date.now() + 5000));
  const chunks = diskChunks(host());
  expect((chunks.require('b.cjs') as { twice(x: string): string }).twice('x')).toBe('x+x');
  expect(chunks.report()).toEqual(['b.cjs code cache none']);
});

test('another Node keeps its own cache beside the first one', () => {
  runOnce(host());
  expect(runOnce(host({ runtime: '24.1.0-x64' }))).toEqual(['a.cjs code cache none', 'b.cjs code cache none']);
  expect(readdirSync(cache)).toHaveLength(4);
});

test('another install (another dist/ directory) of another build keeps its caches beside these', () => {
  runOnce(host());
  const other = path.join(work, 'other-dist');
  mkdirSync(other);
  writeFileSync(path.join(other, 'a.cjs'), "const b = require('./b.cjs'); const p = require('node:path'); exports.run = (x) => p.basename(b.twice(x)) || 'other';\n");
  writeFileSync(path.join(other, 'b.cjs'), 'exports.twice = (x) => `${x}/${x}`;\n');
  expect(installKey(other)).not.toBe(installKey(dist));
  expect(runOnce(host({ dir: other, ids: { 'a.cjs': 'id-a9', 'b.cjs': 'id-b9' } }))).toEqual(['a.cjs code cache none', 'b.cjs code cache none']);
  // the first install's caches are still there, and still used
  expect(readdirSync(cache)).toHaveLength(4);
  expect(runOnce(host())).toEqual(['a.cjs code cache accepted', 'b.cjs code cache accepted']);
});

test('a cache V8 refuses (garbage) is replaced by a good one', () => {
  // (Before any run here: once V8 has compiled a source in this process, it answers from memory.)
  const version = `id-a1-${Math.trunc(statSync(path.join(dist, 'a.cjs')).mtimeMs).toString(36)}`;
  writeFileSync(path.join(cache, cacheFileName('a.cjs', installKey(dist), version, '24.0.0-x64')), 'not a code cache');
  expect(runOnce(host())[0]).toBe('a.cjs code cache rejected');
  expect(runOnce(host())[0]).toBe('a.cjs code cache accepted');
});

test('no cache directory, or a file the build did not name: nothing cached, nothing written', () => {
  expect(runOnce(host({ cacheDir: undefined }))).toEqual(['a.cjs code cache none', 'b.cjs code cache none']);
  expect(readdirSync(cache)).toEqual([]);
  // b.cjs is not one of the build's files: it is left to Node's require, which finds no './b.cjs' from here
  expect(() => diskChunks(host({ ids: { 'a.cjs': 'id-a1' } })).require('a.cjs')).toThrow(/b\.cjs/);
});

test('a cache directory that cannot be written: the run works, uncached', () => {
  const chunks = diskChunks(host({ cacheDir: path.join(work, 'missing', 'dir') }));
  expect((chunks.require('a.cjs') as { run(x: string): string }).run('y')).toBe('y');
  expect(() => chunks.save()).not.toThrow();
});
