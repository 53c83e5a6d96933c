/**
 * What the built cli loads for the commands that need no cluster (issue 8: "nothing a command does
 * not need is loaded"). Counts of files and modules, not timings: those are scripts/bench's job.
 * - `--help` and `decode --help` load only the texts yargs printed at build time, and
 *   `decode TOKEN` only satoken-decode.cjs: never yargs' chunk, client-node's, or a library's;
 * - nor node:crypto / node:zlib / node:readline (mint's, audit's and migrate-legacy's needs) or
 *   node:assert (yargs', swapped for a stand-in), nor the real string-width (Intl.Segmenter);
 * - a cluster command does require client-node's bundle (the split did not lose it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeBoundToken } from '../support/tokens';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'dist', 'kubectl-satoken');
const NODE24 = path.join(ROOT, 'node_modules', '.bin', 'node');
const PRELOAD = path.join(__dirname, 'support', 'record-loads.cjs');

interface Loads {
  files: string[];
  builtins: string[];
  segmenters: number;
}

let work: string;
beforeAll(() => {
  // `npm test` builds dist/ first; a lone `npx jest tests/perf` builds it when it is missing.
  if (!existsSync(path.join(ROOT, 'dist', 'satoken-cli.cjs'))) execFileSync(NODE24, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  work = mkdtempSync(path.join(tmpdir(), 'satoken-loads-'));
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function loadsOf(args: string[]): { loads: Loads; status: number | null } {
  const out = path.join(work, `loads-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(NODE24, ['-r', PRELOAD, BIN, ...args], {
    env: { PATH: path.dirname(NODE24), HOME: work, KUBECONFIG: path.join(work, 'none'), SATOKEN_LOADS_OUT: out, XDG_CACHE_HOME: path.join(work, 'cache'), SATOKEN_CACHE_REPORT: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const loads = JSON.parse(readFileSync(out, 'utf8')) as Loads;
  // dist/'s chunks are compiled by src/disk-chunks.ts (with their code caches), not by Node's
  // require: they are not in require.cache, and the launcher lists them on stderr instead.
  const chunks = [...r.stderr.matchAll(/^cache: (\S+) code cache \w+$/gm)].map((m) => m[1]!);
  return { loads: { ...loads, files: [...loads.files, ...chunks] }, status: r.status };
}

// (node:net is not among them: stdout is a pipe here, and writing to a pipe needs it.)
const NOT_AT_START = ['crypto', 'zlib', 'readline', 'readline/promises', 'assert', 'https', 'http', 'http2'];
// What building process.stdout or reading a file with fs/promises would load: the fast path does neither.
const STREAMS = ['net', 'tty', 'fs/promises'];

const TOKEN = makeBoundToken({ namespace: 'ci', issuedAt: new Date(Date.now() - 60_000) });

test.each([
  ['--help', ['satoken-texts.cjs'], ['--help']],
  ['decode --help', ['satoken-texts.cjs'], ['decode', '--help']],
  ['decode TOKEN', ['satoken-decode.cjs'], ['decode', TOKEN]],
  ['decode TOKEN -o json', ['satoken-decode.cjs'], ['decode', TOKEN, '-o', 'json']],
])('%s (the fast path) loads the launcher and %j: no yargs, no client-node, no library chunk', (_name, chunks, args) => {
  const { loads, status } = loadsOf(args);
  expect(status).toBe(0);
  expect(loads.files.filter((f) => f !== 'record-loads.cjs').sort()).toEqual(['kubectl-satoken', ...chunks].sort());
  expect(loads.builtins.filter((m) => NOT_AT_START.includes(m) || STREAMS.includes(m))).toEqual([]);
  expect(loads.segmenters).toBe(0);
});

test('a command line off the fast path (one more flag) is parsed by yargs, and still loads nothing it does not need', () => {
  const { loads, status } = loadsOf(['decode', TOKEN, '--no-color']);
  expect(status).toBe(0);
  expect(loads.files).toContain('satoken-cli.cjs');
  expect(loads.files).not.toContain('satoken-decode.cjs');
  expect(loads.files).not.toContain('satoken-client-node.cjs');
  expect(loads.files).not.toContain('satoken-yaml.cjs');
  expect(loads.builtins.filter((m) => NOT_AT_START.includes(m))).toEqual([]);
  expect(loads.segmenters).toBe(0);
});

test('-o yaml loads the yaml library from its own file', () => {
  const { loads, status } = loadsOf(['decode', TOKEN, '-o', 'yaml']);
  expect(status).toBe(0);
  expect(loads.files).toEqual(expect.arrayContaining(['satoken-decode.cjs', 'satoken-yaml.cjs']));
});

test('a command that talks to the cluster does load client-node (from its own file)', () => {
  // No kubeconfig: it fails (exit 1) after loading the kube layer, which is what is checked here.
  const { loads, status } = loadsOf(['test-auth', makeBoundToken({ namespace: 'ci' })]);
  expect(status).toBe(1);
  expect(loads.files).toContain('satoken-client-node.cjs');
});

test('dist/\'s chunks run from the V8 code caches earlier runs left (src/disk-chunks.ts); NODE_DISABLE_COMPILE_CACHE turns them off', () => {
  const cacheHome = mkdtempSync(path.join(work, 'xdg-'));
  const report = (extraEnv: Record<string, string> = {}) => {
    const r = spawnSync(NODE24, [BIN, 'decode', TOKEN, '-o', 'yaml'], {
      env: { PATH: path.dirname(NODE24), HOME: work, XDG_CACHE_HOME: cacheHome, SATOKEN_CACHE_REPORT: '1', ...extraEnv },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    return r.stderr.split('\n').filter((l) => l.startsWith('cache: '));
  };
  expect(report({ NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual(['cache: satoken-decode.cjs code cache none', 'cache: satoken-yaml.cjs code cache none']);
  expect(existsSync(path.join(cacheHome, 'kubectl-satoken'))).toBe(false);
  expect(report()).toEqual(['cache: satoken-decode.cjs code cache none', 'cache: satoken-yaml.cjs code cache none']);
  expect(report()).toEqual(['cache: satoken-decode.cjs code cache accepted', 'cache: satoken-yaml.cjs code cache accepted']);
});
