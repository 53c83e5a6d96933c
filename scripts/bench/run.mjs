#!/usr/bin/env node
/**
 * `npm run bench [-- --quick] [-- --only startup,roundtrips,scale,decode]`: the performance suite of
 * issue 8. Each benchmark prints a table of ratios against a baseline measured in the same run, and
 * all of them land in bench-results.json (gitignored). Builds dist/ first when it is missing.
 *
 *   1. startup.mjs            --help, decode TOKEN, decode --help vs node -e 0 (bundle, single executable)
 *   2. roundtrips.mjs         diagnose POD, test-auth vs a 50 ms emulator: round trips, requests
 *   3. scale.mjs              migrate-legacy -A, diagnose -A on 170,000 objects vs kubectl listing them
 *   4. decode-throughput.mjs  inspectToken vs JSON.parse of the same tokens
 *
 * About 5 minutes on a 2-core machine (--quick: about 1); scripts/bench/audit.mjs is separate.
 *
 * `--backend real` (real.mjs): roundtrips and scale against a real single-node Kubernetes instead —
 * the cluster in SATOKEN_REAL_KUBECONFIG, else one it starts (`npm run cluster -- --real`, root) —
 * with `--objects N` pods and N token Secrets for scale (default 10,000; --quick 500; the Secrets'
 * tokens written by the loader, or with `--token-fill controller` by the token controller, ~20
 * minutes at 10,000: real-load.mjs). Its figures go to bench-results-real.json. About 10 minutes
 * at 10,000 with the cluster up.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchDecode } from './decode-throughput.mjs';
import { ROOT, ensureBuilt } from './lib.mjs';
import { benchRealRoundTrips, benchRealScale, releaseReal } from './real.mjs';
import { benchRoundTrips } from './roundtrips.mjs';
import { benchScale } from './scale.mjs';
import { benchStartup } from './startup.mjs';

const BACKENDS = {
  emulator: { startup: benchStartup, roundtrips: benchRoundTrips, scale: benchScale, decode: benchDecode },
  // start-up and decode never reach a cluster: they have no real variant
  real: { roundtrips: benchRealRoundTrips, scale: benchRealScale },
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    backend: { type: 'string', default: 'emulator' },
    objects: { type: 'string' },
    'token-fill': { type: 'string', default: 'loader' },
    out: { type: 'string' },
  },
});
const BENCHES = BACKENDS[values.backend];
if (!BENCHES) throw new Error(`--backend: "${values.backend}" is not one of ${Object.keys(BACKENDS).join(', ')}`);
const only = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(BENCHES);
for (const name of only) if (!BENCHES[name]) throw new Error(`--only: no benchmark "${name}" on the ${values.backend} backend (${Object.keys(BENCHES).join(', ')})`);
const objects = values.objects === undefined ? undefined : Number(values.objects);
if (objects !== undefined && !(Number.isInteger(objects) && objects > 0)) throw new Error(`--objects must be a positive integer (got "${values.objects}")`);
if (!['loader', 'controller'].includes(values['token-fill'])) throw new Error(`--token-fill must be loader or controller (got "${values['token-fill']}")`);
values.out ??= path.join(ROOT, values.backend === 'real' ? 'bench-results-real.json' : 'bench-results.json');

const log = (line) => process.stderr.write(`bench: ${line}\n`);
const started = Date.now();
ensureBuilt(log);
const results = {
  date: new Date().toISOString(),
  quick: values.quick,
  machine: { cpus: os.cpus().length, loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))), platform: `${process.platform}/${process.arch}` },
};
results.backend = values.backend;
try {
  for (const name of only) {
    const r = await BENCHES[name]({ quick: values.quick, log, objects, tokenFill: values['token-fill'] });
    process.stdout.write(`${r.text}\n`);
    results[name] = r.json;
    // Written after each benchmark: a failure later keeps what was measured.
    writeFileSync(values.out, JSON.stringify(results, null, 2) + '\n');
  }
} finally {
  await releaseReal();
}
results.seconds = Math.round((Date.now() - started) / 1000);
results.machine.loadAverageAfter = os.loadavg().map((x) => Number(x.toFixed(2)));
writeFileSync(values.out, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(`\n${path.relative(process.cwd(), values.out)} written in ${results.seconds} s (load average ${results.machine.loadAverage.join(' ')} → ${results.machine.loadAverageAfter.join(' ')})\n`);
