/**
 * Benchmark 1, start-up: `--help`, `decode TOKEN` and `decode --help` of the npm bundle (run with
 * the project's Node 24) and of the single executable when `npm run release` has built one, each as
 * a ratio to `node -e 0` on the same Node, measured in the same interleaved loop. The bundle is also
 * run once more with Node's compile cache off (NODE_DISABLE_COMPILE_CACHE=1): a first run after an
 * install or an upgrade. Target (issue 8): within 1.3x of `node -e 0`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { BIN, NODE, ROOT, WORK, freshToken, interleaved, ms, ratio, run, table } from './lib.mjs';

/** The host's single executable, unpacked from release/*_linux_amd64.tar.gz when present. */
function singleExecutable() {
  const dir = path.join(ROOT, 'release');
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  const archive = existsSync(dir) && readdirSync(dir).find((f) => f.endsWith(`_${process.platform}_${arch}.tar.gz`));
  if (!archive) return undefined;
  const out = path.join(WORK, 'sea');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  execFileSync('tar', ['-xzf', path.join(dir, archive), '-C', out, 'kubectl-satoken']);
  return { exe: path.join(out, 'kubectl-satoken'), archive, built: statSync(path.join(dir, archive)).mtime.toISOString().slice(0, 16).replace('T', ' ') };
}

export async function benchStartup({ quick, log }) {
  const runs = quick ? 7 : 21;
  const token = freshToken();
  const sea = singleExecutable();
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
  cases.push({ id: 'bundle --help (no compile cache)', cmd: NODE, args: [BIN, '--help'], env: { NODE_DISABLE_COMPILE_CACHE: '1' } });
  // One run of each first: fills Node's compile cache, as any earlier use of the plugin would have.
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
  const cold = r['bundle --help (no compile cache)'];
  rows.push(['bundle --help, compile cache off', ms(cold.wallMs), ratio(cold.wallMs, base.wallMs), ms(cold.cpuMs), ratio(cold.cpuMs, base.cpuMs)]);
  const text = table(
    `1. Start-up (median of ${runs}, Node ${execFileSync(NODE, ['-p', 'process.versions.node']).toString().trim()}; target ≤ 1.30x)${sea ? `; single executable from ${sea.archive} (${sea.built})` : '; single executable: not built (npm run release)'}`,
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
      results: Object.fromEntries([...commands.flatMap(([name]) => [`bundle ${name}`, `sea ${name}`]), 'bundle --help (no compile cache)'].map((id) => [id, figure(id)])),
    },
  };
}
