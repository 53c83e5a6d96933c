// `npm run demo -- --real [--once] [--profile P]`: the demo's cases (tests/apiserver/scenarios/demo.ts
// DEMO_CASES, objects from scenarios/demo-objects.ts) on a real single-node Kubernetes built from
// upstream sources (`npm run cluster -- --real`: needs root, Go, and the Debian packages
// containernetworking-plugins and busybox-static; the first start on a machine builds it, tens of
// minutes, printing its progress). Each case is applied through the API, broken as a cluster breaks
// (tests/real/support/demo-cluster.ts says how; the caching app's stale token is synthetic-time,
// about 11 minutes after start), and diagnosed as on the emulator.
// --once: exits 0 when every case got its expected root cause (1 otherwise), stopping the cluster.
// --kubeconfig PATH --audit-log PATH: use a real cluster already running (started with
// `npm run cluster -- --real --audit-log PATH`) instead of starting one, in namespaces of its own
// (real-demo-run-…), removed at the end.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { importTs } from './import-ts.mjs';
import { BUSYBOX_IMAGE } from './realcluster/images.mjs';

const valueOf = (argv, flag) => {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : undefined;
};

/**
 * The launcher's env file (`export KUBECONFIG='…'`, `export PATH='dir':'dir':"$PATH"`), as `source FILE`
 * would set it: each single-quoted word unquoted, PATH's words before ours.
 */
function readEnvFile(file) {
  const out = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const words = [...m[2].matchAll(/'((?:[^']|'\\'')*)'/g)].map((w) => w[1].replace(/'\\''/g, "'"));
    out[m[1]] = m[1] === 'PATH' ? [...words, process.env.PATH ?? ''].join(':') : words.join('');
  }
  return out;
}

export async function runRealDemo({ root, bundle, argv, bold }) {
  const once = argv.includes('--once');
  const profile = valueOf(argv, '--profile');
  const given = valueOf(argv, '--kubeconfig');
  const givenAudit = valueOf(argv, '--audit-log');
  if (given && !givenAudit) {
    console.error('error: --kubeconfig with --real needs --audit-log PATH too (the running cluster\'s audit log: the caching app\'s verdict reads it)');
    process.exit(2);
  }
  const { DEMO_CASES } = await importTs('tests/apiserver/scenarios/demo.ts', 'demo-cases');
  const real = await importTs('tests/real/support/demo-cluster.ts', 'real-demo-cluster');

  const dir = mkdtempSync(path.join(tmpdir(), 'satoken-demo-real-'));
  const kubeconfig = given ? path.resolve(given) : path.join(dir, 'kubeconfig');
  const auditLog = givenAudit ? path.resolve(givenAudit) : path.join(dir, 'audit.log');
  let cluster;
  let demo;
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    if (demo && given) {
      console.log('removing the demo\'s namespaces and node from the cluster…');
      await demo.cleanup().catch((e) => console.error(`cleanup: ${e.message}`));
    }
    if (cluster && cluster.exitCode === null) {
      console.log('stopping the real cluster…');
      cluster.kill('SIGTERM');
      await new Promise((r) => cluster.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(130));
  process.on('SIGTERM', () => void stop(143));

  let url;
  if (given) {
    url = JSON.parse(readFileSync(kubeconfig, 'utf8')).clusters[0].cluster.server;
  } else {
    // The launcher's progress (the build, each component) goes to our stderr as it comes.
    console.log(bold('starting a real Kubernetes cluster (npm run cluster -- --real; the first start builds it)…'));
    cluster = spawn(process.execPath, [path.join(root, 'scripts', 'cluster.mjs'), '--real', '--kubeconfig', kubeconfig, '--audit-log', auditLog, ...(profile ? ['--profile', profile] : [])], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise((resolve) => {
      const lines = createInterface({ input: cluster.stdout });
      lines.on('line', (line) => {
        const m = /^ready (\S+)/.exec(line);
        if (m) resolve(m[1]);
      });
      cluster.once('exit', (code) => {
        if (!stopping) {
          console.error(`error: the real cluster exited (code ${code}) before it was ready (its reason is above)`);
          void stop(1);
        }
      });
    });
  }
  const vars = readEnvFile(`${kubeconfig}.env`);
  const env = { ...process.env, ...vars, KUBECONFIG: kubeconfig };
  const runDir = path.dirname(vars.PATH.split(':')[0]);

  const kubectl = (args, input) =>
    new Promise((resolve, reject) => {
      const child = spawn('kubectl', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err += c));
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.join(' ')} exited ${code}: ${err.slice(0, 2000)}`))));
      child.stdin.end(input ?? '');
    });
  const demoEnv = { kubectl, kubeconfig, runDir, prefix: given ? 'real-demo-run-' : '', log: (l) => console.log(`  ${l}`) };

  console.log(bold(`\nsetting up the demo's ${DEMO_CASES.length} cases on ${url}`));
  try {
    demo = await real.setUpRealDemo(demoEnv, BUSYBOX_IMAGE);
  } catch (e) {
    console.error(`error: setting up the demo failed: ${e.message}`);
    await stop(1);
  }
  // The caching app's state takes the kubelet's first rotation: it is made while the others are diagnosed.
  const cacheNs = demo.namespaceOf('diag-app-cache');
  const cached = demo.podOf('diag-app-cache').then((pod) => real.cacheTheToken(demoEnv, cacheNs, pod, demo.issuer));
  cached.catch(() => {});

  const satoken = (args, capture) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [bundle, ...args], { env, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
      let out = '';
      child.stdout?.on('data', (c) => (out += c));
      child.on('exit', (code) => resolve({ code, out }));
    });

  console.log(bold(`\nkubectl satoken diagnose — ${DEMO_CASES.length} pods, one per failure mode, on a real cluster at ${url}\n`));
  const wrong = [];
  let n = 0;
  for (const c of DEMO_CASES) {
    console.log(bold(`━━━ ${++n}/${DEMO_CASES.length} ${c.title} ━━━`));
    if (c.namespace === 'diag-app-cache') {
      console.log('(waiting for the kubelet to rotate its token and for the app to present its cached one: synthetic-time, see tests/real/support/demo-cluster.ts)');
      try {
        await cached;
      } catch (e) {
        console.log(`could not set it up: ${e.message}\n`);
        wrong.push(`${c.namespace}: not set up (${e.message})`);
        continue;
      }
    }
    const ns = demo.namespaceOf(c.namespace);
    const pod = await demo.podOf(c.namespace);
    const extra = [...(c.args ?? []), ...(c.auditLog ? ['--audit-log', auditLog] : [])];
    console.log(`$ kubectl satoken diagnose ${[pod, '-n', ns, ...extra].join(' ')}\n`);
    // Taken again if the cluster changed meanwhile (a shared one, given with --kubeconfig, is reconfigured by others now and then).
    const { code, judged } = await demo.settled(async () => ({
      code: (await satoken(['diagnose', pod, '-n', ns, ...extra])).code,
      judged: await satoken(['diagnose', pod, '-n', ns, ...extra, '-o', 'json'], true),
    }));
    let root = '(no JSON)';
    try {
      root = JSON.parse(judged.out).rootCause?.check ?? null;
    } catch {
      // counted as wrong below
    }
    const ok = root === c.rootCause;
    if (!ok) wrong.push(`${c.namespace}: root cause ${root}, expected ${c.rootCause}`);
    console.log(`(exit code ${code}; root cause ${root ?? 'none'}: ${ok ? 'as expected' : `expected ${c.rootCause ?? 'none'}`})\n`);
  }
  console.log(wrong.length === 0 ? bold(`every case got its expected root cause (${DEMO_CASES.length}/${DEMO_CASES.length})`) : bold(`${wrong.length} case(s) did not get their expected root cause:\n  ${wrong.join('\n  ')}`));
  if (once) await stop(wrong.length === 0 ? 0 : 1);

  console.log(bold('\nTry it yourself against the running cluster (its kubectl and the plugin first on PATH):'));
  console.log(`  source ${kubeconfig}.env`);
  console.log(`  export PATH=${path.join(root, 'node_modules', '.bin')}:$PATH   # the project's Node`);
  console.log('  kubectl get pods -A');
  console.log(`  kubectl satoken diagnose -n ${demo.namespaceOf('diag-audience')} --deep`);
  console.log('  …then run the printed fix commands, and diagnose the re-created pod again.');
  console.log(`\nThe cluster keeps running; press Ctrl-C to ${given ? 'remove the demo from it' : 'stop it'}.`);
  await new Promise(() => {});
}
