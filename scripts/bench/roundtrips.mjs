/**
 * Benchmark 2, round trips: `diagnose POD` and `test-auth` through the bundle against the emulator
 * (in this process, the demo scenario) answering every request 50 ms late. The critical path in
 * round trips is the wall time divided by the latency; as the wall time also holds the start-up and
 * the work between requests, the same commands run with no latency too, and
 *   round trips = (wall at L − wall at 0 ms) / L
 * is the figure held to the targets (issue 8: diagnose ≤ 6, test-auth ≤ 4). At L = 50 ms the run-to-
 * run jitter of a ~600 ms command is worth a round trip or two, so it is also measured at L = 250 ms,
 * where the same jitter is a fifth of that: that figure is the one compared with the target. The
 * requests the emulator served are counted from its request log.
 *
 * The same commands also go through delay-proxy.mjs at 250 ms, with no latency in the emulator: a
 * network that delays what the client sends, TLS handshakes and exec streams included, as the real
 * backend (real.mjs) measures it; that column compares with the real cluster's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { startDelayProxy } from './delay-proxy.mjs';
import { BIN, NODE, importSource, median, run, table } from './lib.mjs';

const LATENCY_MS = 50;
/** A latency large enough that the commands' own jitter does not blur the count. */
const PRECISE_MS = 250;

export async function benchRoundTrips({ quick, log }) {
  const runs = quick ? 3 : 7;
  const { start } = await importSource('tests/apiserver/index.ts', 'apiserver');
  log('round trips: starting the emulator (demo scenario)…');
  const k = await start({ scenarios: 'demo' });
  const kc = readFileSync(k.kubeconfigPath, 'utf8');
  const server = /server:\s*"?([^"\s]+)"?/.exec(kc)[1];
  const proxy = await startDelayProxy(server);
  try {
    const env = { KUBECONFIG: k.kubeconfigPath, HOME: '/nonexistent', NO_COLOR: '1' };
    const proxied = `${k.kubeconfigPath}.proxied`;
    writeFileSync(proxied, kc.replace(server, proxy.url), { mode: 0o600 });
    proxy.setLatency(PRECISE_MS);
    const proxyEnv = { ...env, KUBECONFIG: proxied };
    const pod = k.store.list(k.cluster.type('', 'pods'), 'demo-healthy').items[0].metadata.name;
    // A token for test-auth, minted through the bundle (not timed).
    const minted = await run(NODE, [BIN, 'mint', 'web', '-n', 'demo-healthy'], { env, capture: true });
    if (minted.code !== 0) throw new Error(`mint failed: ${minted.stderr}`);
    const tokenFile = `${k.kubeconfigPath}.token`;
    writeFileSync(tokenFile, minted.stdout.trim(), { mode: 0o600 });

    const commands = [
      { id: 'diagnose POD', args: ['diagnose', pod, '-n', 'demo-healthy', '-o', 'json'], target: 6 },
      { id: 'test-auth TOKEN', args: ['test-auth', '-', '-o', 'json'], stdinFile: tokenFile, target: 4 },
    ];
    const results = {};
    for (const c of commands) {
      const walls = { 0: [], [LATENCY_MS]: [], [PRECISE_MS]: [], proxy: [] };
      let requests;
      for (let i = 0; i < runs; i++) {
        for (const latency of [0, LATENCY_MS, PRECISE_MS, 'proxy']) {
          const viaProxy = latency === 'proxy';
          k.cluster.options.latencyMs = viaProxy ? 0 : latency;
          const e = viaProxy ? proxyEnv : env;
          const before = k.requests.length;
          const r = c.stdinFile
            ? await run('/bin/sh', ['-c', `"$0" "$@" < "${c.stdinFile}"`, NODE, BIN, ...c.args], { env: e })
            : await run(NODE, [BIN, ...c.args], { env: e });
          if (r.code !== 0 && r.code !== 3) throw new Error(`${c.id}: exit ${r.code}: ${r.stderr.slice(0, 400)}`);
          walls[latency].push(r.ms);
          if (!viaProxy) requests = k.requests.length - before;
        }
      }
      const w0 = median(walls[0]);
      const w50 = median(walls[LATENCY_MS]);
      const wp = median(walls[PRECISE_MS]);
      results[c.id] = {
        requests,
        wallMs0: w0,
        wallMsLatency: w50,
        wallOverLatency: w50 / LATENCY_MS,
        roundTrips: (w50 - w0) / LATENCY_MS,
        wallMsPrecise: wp,
        roundTripsPrecise: (wp - w0) / PRECISE_MS,
        roundTripsProxy: (median(walls.proxy) - w0) / PRECISE_MS,
        target: c.target,
      };
    }
    k.cluster.options.latencyMs = 0;
    const rows = commands.map((c) => {
      const x = results[c.id];
      return [
        c.id,
        String(x.requests),
        `${Math.round(x.wallMs0)} ms`,
        `${Math.round(x.wallMsLatency)} ms`,
        x.wallOverLatency.toFixed(1),
        x.roundTrips.toFixed(1),
        x.roundTripsPrecise.toFixed(1),
        x.roundTripsProxy.toFixed(1),
        `≤ ${c.target}`,
      ];
    });
    const text = table(
      `2. Round trips (emulator latency ${LATENCY_MS} ms, median of ${runs})`,
      ['command', 'requests', 'wall @0ms', `wall @${LATENCY_MS}ms`, 'wall/latency', `round trips @${LATENCY_MS}`, `round trips @${PRECISE_MS}`, `via proxy @${PRECISE_MS}`, 'target'],
      rows,
    );
    return { text, json: { latencyMs: LATENCY_MS, preciseLatencyMs: PRECISE_MS, runs, results } };
  } finally {
    await proxy.stop();
    await k.stop();
  }
}
