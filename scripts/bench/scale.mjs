/**
 * Benchmark 3, scale: `migrate-legacy -A -o json` and `diagnose -A -o json` through the bundle
 * against an emulator (a child process: `npm run cluster -- --objects FILE`) loaded with the
 * generated cluster (generate-cluster.mjs: 100,000 Secrets of which 10,000 tokens, 50,000 pods,
 * 20,000 ServiceAccounts, 2,000 namespaces), and at a tenth of that. Baselines on the same emulator:
 *   kubectl get secrets,pods,serviceaccounts -A -o json > /dev/null   (issue 8's yardstick)
 *   list-pages.mjs: a bare Node client GETting the same pages          (the floor)
 * Peak RSS by /usr/bin/time. Targets: no slower than kubectl, peak RSS < 300 MB, linear growth. Both
 * scales' wall time and peak RSS are reported, each with its growth ratio (large / small).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { generateCluster } from './generate-cluster.mjs';
import { BIN, KUBECTL, NODE, ROOT, WORK, median, run, table } from './lib.mjs';

/** Starts `npm run cluster` (scripts/cluster.mjs) with the objects; resolves once it prints ready. */
function startCluster(objectsFile, kubeconfig) {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [path.join(ROOT, 'scripts/cluster.mjs'), '--kubeconfig', kubeconfig, '--objects', objectsFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the emulator did not start in 180 s: ${err.slice(-500)}`));
    }, 180_000);
    child.stdout.on('data', (c) => {
      out += c;
      if (/ready https:/.test(out)) {
        clearTimeout(timer);
        resolve({
          stop: () =>
            new Promise((done) => {
              child.once('exit', done);
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.stderr.on('data', (c) => (err += c));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (${code}): ${err.slice(-500)}`));
    });
  });
}

async function measure(cmd, args, env, okCodes = [0]) {
  const r = await run(cmd, args, { env, rss: true });
  if (!okCodes.includes(r.code)) throw new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(' ')}: exit ${r.code}: ${r.stderr.slice(-400)}`);
  return { ms: r.ms, maxRssMB: r.maxRssMB };
}

/** One scale: generate, start, measure every command `runs` times (interleaved), stop. */
async function atScale(fraction, runs, log) {
  const dir = path.join(WORK, 'scale');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `cluster-${fraction}.json`);
  const counts = await generateCluster(file, fraction);
  log(`scale ${fraction}: ${counts.pods} pods, ${counts.secrets} Secrets (${counts.tokenSecrets} tokens), ${counts.serviceAccounts} ServiceAccounts, ${(counts.bytes / 1e6).toFixed(0)} MB; starting the emulator…`);
  const kubeconfig = path.join(dir, `kubeconfig-${fraction}`);
  const cluster = await startCluster(file, kubeconfig);
  const env = { KUBECONFIG: kubeconfig, HOME: '/nonexistent', NO_COLOR: '1' };
  const cases = [
    ...(existsSync(KUBECTL) ? [{ id: 'kubectl get secrets,pods,serviceaccounts -A -o json', cmd: KUBECTL, args: ['get', 'secrets,pods,serviceaccounts', '-A', '-o', 'json'] }] : []),
    { id: 'bare client: GET every page (limit 500)', cmd: NODE, args: [path.join(ROOT, 'scripts/bench/list-pages.mjs')] },
    { id: 'migrate-legacy -A -o json', cmd: NODE, args: [BIN, 'migrate-legacy', '-A', '-o', 'json'] },
    // exit 3: the scan found failing pods (the generated cluster has some), which is a finished job
    { id: 'diagnose -A -o json', cmd: NODE, args: [BIN, 'diagnose', '-A', '-o', 'json'], okCodes: [0, 3] },
  ];
  const got = new Map(cases.map((c) => [c.id, []]));
  try {
    for (let i = 0; i < runs; i++) {
      for (const c of cases) {
        log(`scale ${fraction}: ${c.id} (${i + 1}/${runs})…`);
        got.get(c.id).push(await measure(c.cmd, c.args, env, c.okCodes));
      }
    }
  } finally {
    await cluster.stop();
    rmSync(file, { force: true });
  }
  return {
    counts,
    runs,
    results: Object.fromEntries(cases.map((c) => [c.id, { wallMs: median(got.get(c.id).map((x) => x.ms)), maxRssMB: Math.max(...got.get(c.id).map((x) => x.maxRssMB ?? 0)) || undefined }])),
  };
}

export async function benchScale({ quick, log }) {
  // --quick: a tenth and a hundredth of the scale, to check the wiring in a minute.
  const [big, small] = quick ? [0.1, 0.01] : [1, 0.1];
  const full = await atScale(big, 1, log);
  const tenth = await atScale(small, quick ? 1 : 3, log);
  const yardstick = Object.keys(full.results).find((id) => id.startsWith('kubectl')) ?? 'bare client: GET every page (limit 500)';
  const rows = Object.keys(full.results).map((id) => {
    const f = full.results[id];
    const t = tenth.results[id];
    return [
      id,
      `${(f.wallMs / 1000).toFixed(1)} s`,
      `${(f.wallMs / full.results[yardstick].wallMs).toFixed(2)}x`,
      f.maxRssMB ? `${Math.round(f.maxRssMB)} MB` : undefined,
      `${(t.wallMs / 1000).toFixed(2)} s`,
      `${(f.wallMs / t.wallMs).toFixed(1)}x`,
      t.maxRssMB ? `${Math.round(t.maxRssMB)} MB` : undefined,
      // Peak RSS includes Node itself (~50-70 MB that does not grow with the cluster), so a
      // bounded scan grows far less than linearly; the wall-time ratio is the linearity check.
      f.maxRssMB && t.maxRssMB ? `${(f.maxRssMB / t.maxRssMB).toFixed(2)}x` : undefined,
    ];
  });
  const c = full.counts;
  const text = table(
    `3. Scale: ${c.secrets.toLocaleString('en')} Secrets (${c.tokenSecrets.toLocaleString('en')} tokens), ${c.pods.toLocaleString('en')} pods, ${c.serviceAccounts.toLocaleString('en')} ServiceAccounts, ${c.namespaces.toLocaleString('en')} namespaces (x${big}); and x${small} (ratio ${(big / small).toFixed(0)}x = linear). Targets: ≤ 1.00x kubectl, peak RSS < 300 MB`,
    ['command', 'wall', `vs ${yardstick.startsWith('kubectl') ? 'kubectl' : 'bare'}`, 'peak RSS', `wall x${small}`, 'wall growth', `RSS x${small}`, 'RSS growth'],
    rows,
  );
  return { text, json: { yardstick, large: { fraction: big, ...full }, small: { fraction: small, ...tenth } } };
}
