/**
 * What the benchmarks share: paths, timed child processes (wall time, CPU time, peak RSS), medians,
 * interleaved repetitions, tables, a token, and the emulator and JWT core loaded from source.
 *
 * Every figure the suite reports is a ratio against a baseline measured in the same run, in the same
 * interleaved loop: the machines are shared and noisy (2 cores), so absolute times drift by 2x
 * between runs while ratios hold far better. CPU time (user + sys of the child) is reported beside
 * wall time: it is what a busy machine inflates least.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = path.join(ROOT, 'dist');
export const BIN = path.join(DIST, 'kubectl-satoken');
export const WORK = path.join(ROOT, '.tmp', 'bench');
/** The project's Node 24 (the `node` devDependency): the bundle's Node in every figure. */
export const NODE = existsSync(path.join(ROOT, 'node_modules/.bin/node')) ? path.join(ROOT, 'node_modules/.bin/node') : process.execPath;
export const KUBECTL = '/usr/bin/kubectl';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** bash's `times` prints the children's user and sys CPU time to the millisecond. */
const BASH = ['/bin/bash', '/usr/bin/bash'].find((b) => existsSync(b));
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Runs `cmd args` once, stdout/stderr to /dev/null unless `capture`; resolves with its wall time
 * (ms), exit code and, when asked (`cpu`), its CPU time in ms (through bash's `times`, a separate
 * process, so wall time is always taken from a direct spawn) or its peak RSS (`rss`, /usr/bin/time).
 */
export function run(cmd, args, o = {}) {
  const env = { ...process.env, ...(o.env ?? {}) };
  let file = cmd;
  let argv = args;
  if (o.cpu && BASH) {
    file = BASH;
    argv = ['-c', '"$@" >/dev/null 2>&1 </dev/null; times', 'bench', cmd, ...args];
  } else if (o.rss && TIME) {
    file = TIME;
    argv = ['-f', 'BENCH_MAXRSS_KB %M', cmd, ...args];
  }
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { env, cwd: o.cwd ?? ROOT, stdio: ['ignore', o.cpu || o.capture ? 'pipe' : 'ignore', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => {
      err += c;
      if (err.length > 1e6) err = err.slice(-1e5);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const result = { ms, code, stdout: o.capture ? out : undefined, stderr: err };
      if (o.cpu && BASH) {
        // second line of `times`: the children's "0m0.052s 0m0.012s"
        const line = out.trim().split('\n').pop() ?? '';
        const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
        result.cpuMs = secs.length === 2 ? (secs[0] + secs[1]) * 1000 : undefined;
        result.code = code;
      }
      if (o.rss && TIME) {
        const m = /BENCH_MAXRSS_KB (\d+)/.exec(err);
        result.maxRssMB = m ? Number(m[1]) / 1024 : undefined;
      }
      resolve(result);
    });
  });
}

/**
 * Repeats every case `n` times, interleaved (case 1, case 2, … then again) so that a burst of noise
 * hits every case alike; then the medians. `cases`: [{id, cmd, args, env}].
 */
export async function interleaved(cases, n, { cpu = true, okCodes = [0] } = {}) {
  const walls = new Map(cases.map((c) => [c.id, []]));
  const cpus = new Map(cases.map((c) => [c.id, []]));
  for (let i = 0; i < n; i++) {
    for (const c of cases) {
      const r = await run(c.cmd, c.args, { env: c.env });
      if (!okCodes.includes(r.code)) throw new Error(`${c.id}: exit ${r.code}: ${r.stderr.slice(0, 500)}`);
      walls.get(c.id).push(r.ms);
      if (cpu && BASH) {
        const rc = await run(c.cmd, c.args, { env: c.env, cpu: true });
        if (rc.cpuMs !== undefined) cpus.get(c.id).push(rc.cpuMs);
      }
    }
  }
  return Object.fromEntries(
    cases.map((c) => [c.id, { wallMs: median(walls.get(c.id)), cpuMs: cpus.get(c.id).length ? median(cpus.get(c.id)) : undefined, runs: n }]),
  );
}

/** A plain-text table: headers, rows of cells (numbers are printed as given). */
export function table(title, headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => (c === undefined || c === null ? '–' : String(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [`\n${title}`, line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const ratio = (x, base) => (x === undefined || base === undefined ? undefined : `${(x / base).toFixed(2)}x`);
export const ms = (x) => (x === undefined ? undefined : `${Math.round(x)} ms`);

/**
 * A bound ServiceAccount token signed with a fresh key, valid for an hour from now: what `decode
 * TOKEN` is timed on. Never printed.
 */
export function freshToken() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const iss = 'https://kubernetes.default.svc.cluster.local';
  const payload = {
    aud: [iss],
    exp: now + 3600,
    iat: now - 60,
    nbf: now - 60,
    iss,
    jti: '4f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
    sub: 'system:serviceaccount:shop:web',
    'kubernetes.io': {
      namespace: 'shop',
      serviceaccount: { name: 'web', uid: '5a0b6a8e-7c8e-4d0e-9d1f-3c4b5a6d7e8f' },
      pod: { name: 'web-7d4b9c-x2x9q', uid: 'c0ffee00-1111-4222-8333-444455556666' },
      node: { name: 'node-1', uid: '0d0e0f10-aaaa-4bbb-8ccc-dddddddddddd' },
      warnafter: now + 3000,
    },
  };
  const input = `${b64({ alg: 'RS256', kid: 'bench' })}.${b64(payload)}`;
  return `${input}.${createSign('sha256').update(input).sign(privateKey).toString('base64url')}`;
}

/** Builds dist/ when it is missing (a fresh clone after npm ci). */
export function ensureBuilt(log) {
  if (existsSync(BIN) && existsSync(path.join(DIST, 'satoken-cli.cjs'))) return;
  log('building dist/ (npm run build)…');
  const r = spawnSync(NODE, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

/**
 * A TypeScript entry (the emulator, the JWT core) bundled with esbuild into .tmp/bench and
 * imported, dependencies left to node_modules: the benchmarks use the same code as the tests.
 */
export async function importSource(entry, name) {
  const { build } = await import('esbuild');
  mkdirSync(WORK, { recursive: true });
  const outfile = path.join(WORK, `${name}.mjs`);
  await build({ entryPoints: [path.join(ROOT, entry)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node22', packages: 'external', logLevel: 'warning' });
  return import(pathToFileURL(outfile).href);
}
