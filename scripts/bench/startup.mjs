/**
 * Benchmark 1, start-up: `--help`, `decode TOKEN` and `decode --help` of the npm bundle (run with
 * the project's Node 24) and of the single executable, each as a ratio to `node -e 0` on the same
 * Node, measured in the same interleaved loop. The single executable is release/'s when it is newer
 * than every source file, else one built here for this machine (release.mjs --fast, ~15 s). The
 * bundle's `decode TOKEN` is also run with its code caches off (NODE_DISABLE_COMPILE_CACHE=1): a
 * first run after an install or an upgrade. Target (issue 8): within 1.3x of `node -e 0`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { BIN, NODE, ROOT, WORK, freshToken, interleaved, ms, ratio, run, table } from './lib.mjs';

const ARCH = { x64: 'amd64', arm64: 'arm64' }[process.arch];

/** This machine's archive in `dir`, if any. */
function hostArchive(dir) {
  const name = existsSync(dir) && readdirSync(dir).find((f) => f.endsWith(`_${process.platform}_${ARCH}.tar.gz`));
  return name ? path.join(dir, name) : undefined;
}

/** The newest modification time (ms) of the files the executable is built from (not the benchmarks). */
function newestSource() {
  let newest = statSync(path.join(ROOT, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== path.join(ROOT, 'scripts', 'bench')) walk(p);
      } else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const dir of ['src', 'scripts']) walk(path.join(ROOT, dir));
  return newest;
}

/**
 * The host's single executable, unpacked: from release/ when `npm run release` built it after the
 * last source change, else built now into .tmp/bench/release (host platform only).
 */
function singleExecutable(log) {
  let archive = hostArchive(path.join(ROOT, 'release'));
  if (!archive || statSync(archive).mtimeMs < newestSource()) {
    const out = path.join(WORK, 'release');
    log(`start-up: building the single executable (${archive ? 'release/ is older than the sources' : 'none in release/'}) into ${path.relative(ROOT, out)}…`);
    const r = spawnSync(NODE, ['scripts/release/release.mjs', '--out', out, '--skip-dist', '--fast'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    archive = r.status === 0 ? hostArchive(out) : undefined;
    if (!archive) {
      log(`start-up: no single executable (${r.status === 0 ? `none for ${process.platform}/${process.arch}` : r.stderr.trim().split('\n').pop()})`);
      return undefined;
    }
  }
  const out = path.join(WORK, 'sea');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  execFileSync('tar', ['-xzf', archive, '-C', out, 'kubectl-satoken']);
  return { exe: path.join(out, 'kubectl-satoken'), archive: path.relative(ROOT, archive), built: statSync(archive).mtime.toISOString().slice(0, 16).replace('T', ' ') };
}

export async function benchStartup({ quick, log }) {
  const runs = quick ? 7 : 21;
  const token = freshToken();
  const sea = singleExecutable(log);
  const commands = [
    ['--help', ['--help']],
    ['decode TOKEN', ['decode', token]],
    ['decode --help', ['decode', '--help']],
  ];
  const cases = [{ id: 'node -e 0', cmd: NODE, args: ['-e', '0'] }];
  for (const [name, args] of commands) {
    cases.push({ id: `bundle ${name}`, cmd: NODE, args: [BIN, ...args] });
    if (sea) cases.push({ id: `sea ${name}`, cmd: sea.exe, args });
  }
  // `--help` loads no chunk since the fast path (src/cli/fast-path.ts): `decode TOKEN` is the case a
  // missing code cache slows down.
  cases.push({ id: 'bundle decode TOKEN (no code cache)', cmd: NODE, args: [BIN, 'decode', token], env: { NODE_DISABLE_COMPILE_CACHE: '1' } });
  // One run of each first: leaves the code caches (src/disk-chunks.ts), as any earlier use of the plugin would have.
  for (const c of cases) await run(c.cmd, c.args, { env: c.env });
  log(`start-up: ${cases.length} cases x ${runs} runs, interleaved…`);
  const r = await interleaved(cases, runs);
  const base = r['node -e 0'];

  const rows = [['node -e 0 (baseline)', ms(base.wallMs), '1.00x', ms(base.cpuMs), '1.00x']];
  for (const [name] of commands) {
    for (const kind of ['bundle', 'sea']) {
      const x = r[`${kind} ${name}`];
      if (kind === 'sea' && !sea) rows.push([`sea ${name}`, 'not built', '', '', '']);
      else rows.push([`${kind} ${name}`, ms(x.wallMs), ratio(x.wallMs, base.wallMs), ms(x.cpuMs), ratio(x.cpuMs, base.cpuMs)]);
    }
  }
  const cold = r['bundle decode TOKEN (no code cache)'];
  rows.push(['bundle decode TOKEN, code cache off', ms(cold.wallMs), ratio(cold.wallMs, base.wallMs), ms(cold.cpuMs), ratio(cold.cpuMs, base.cpuMs)]);
  const text = table(
    `1. Start-up (median of ${runs}, Node ${execFileSync(NODE, ['-p', 'process.versions.node']).toString().trim()}; target ≤ 1.30x)${sea ? `; single executable from ${sea.archive} (${sea.built})` : '; single executable: could not be built'}`,
    ['command', 'wall', 'ratio', 'cpu', 'ratio'],
    rows,
  );
  const figure = (id) => (r[id] ? { wallMs: r[id].wallMs, cpuMs: r[id].cpuMs, wallRatio: r[id].wallMs / base.wallMs, cpuRatio: r[id].cpuMs !== undefined ? r[id].cpuMs / base.cpuMs : undefined } : 'not built');
  return {
    text,
    json: {
      runs,
      baseline: { command: 'node -e 0', ...base },
      target: 1.3,
      singleExecutable: sea ? { archive: sea.archive, built: sea.built } : 'not built',
      results: Object.fromEntries([...commands.flatMap(([name]) => [`bundle ${name}`, `sea ${name}`]), 'bundle decode TOKEN (no code cache)'].map((id) => [id, figure(id)])),
    },
  };
}
