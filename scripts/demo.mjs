#!/usr/bin/env node
// `npm run demo [-- --once] [-- --profile eks|gke|aks|k3s|openshift]`: the README's first command.
// `npm run demo -- --real [--once] [--profile P]`: the same cases on a real cluster (scripts/demo-real.mjs:
// root, Go and the real tier's Debian packages; the first start builds Kubernetes). Builds the plugin if needed, starts the
// API server emulator with the demo scenario (one namespace per ServiceAccount token failure mode,
// tests/apiserver/scenarios/demo.ts), runs `kubectl satoken diagnose` on one pod of each, prints
// how to point kubectl at the emulator, and stays up until Ctrl-C (--once: exits at the end).
// --profile NAME: the cluster imitates that provider (tests/apiserver/profiles/), its kubeconfig is
// the provider's (exec credential plugins: their stand-ins come first on PATH), and the provider's
// own broken workloads (tests/apiserver/scenarios/providers/cases.ts) come before the generic ones.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { importTs } from './import-ts.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const once = process.argv.includes('--once');
const profileAt = process.argv.indexOf('--profile');
const profile = profileAt >= 0 ? process.argv[profileAt + 1] : undefined;
const bundle = path.join(root, 'dist', 'kubectl-satoken');
const colour = process.stdout.isTTY && process.env.NO_COLOR === undefined;
const bold = (s) => (colour ? `\u001b[1m${s}\u001b[0m` : s);

/** The newest modification time under a folder (to rebuild only when the sources changed). */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (!existsSync(bundle) || statSync(bundle).mtimeMs < newest(path.join(root, 'src'))) {
  console.log('building dist/kubectl-satoken…');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}

// --real: the same cases on a real cluster (scripts/demo-real.mjs), which this script starts.
if (process.argv.includes('--real')) {
  const { runRealDemo } = await import('./demo-real.mjs');
  await runRealDemo({ root, bundle, argv: process.argv.slice(2), bold });
}

// The cases (namespace, title, expected root cause) come from the scenario itself: one source of truth.
const { DEMO_CASES: GENERIC_CASES } = await importTs('tests/apiserver/scenarios/demo.ts', 'demo-cases');
const { PROFILE_NAMES } = await importTs('tests/apiserver/profiles/index.ts', 'profile-names');
if (profileAt >= 0 && !PROFILE_NAMES.includes(profile)) {
  console.error(`error: --profile must be one of ${PROFILE_NAMES.join(', ')} (got ${profile === undefined ? 'nothing' : `"${profile}"`})`);
  process.exit(2);
}
const { providerCases } = await importTs('tests/apiserver/scenarios/providers/cases.ts', 'provider-cases');
const DEMO_CASES = [...(profile ? providerCases(profile) : []), ...GENERIC_CASES];

const dir = mkdtempSync(path.join(tmpdir(), 'satoken-demo-'));
const kubeconfig = path.join(dir, 'kubeconfig');
// The command the README documents: with --profile, `demo` is that profile's demo, and the emulator
// starts its clock in the past by what the scenarios move it on (tests/apiserver/cli.ts).
// With an audit log: which token an app presents shows only there (a case with `auditLog` reads it).
const auditLog = path.join(dir, 'audit.log');
const emulator = spawn(process.execPath, [path.join(root, 'scripts', 'cluster.mjs'), '--kubeconfig', kubeconfig, '--scenarios', 'demo', '--audit-log', auditLog, ...(profile ? ['--profile', profile] : [])], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const stop = () => {
  if (emulator.exitCode === null) emulator.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', stop);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

// `ready URL`, then for exec-plugin kubeconfigs `env FILE` (the stand-in plugins' PATH and credentials).
let envFile;
const url = await new Promise((resolve, reject) => {
  const lines = createInterface({ input: emulator.stdout });
  let ready;
  lines.on('line', (line) => {
    const m = /^ready (\S+)/.exec(line);
    const e = /^env (\S+)/.exec(line);
    if (e) envFile = e[1];
    if (m) ready = m[1];
    // A profile whose kubeconfig execs a plugin prints its env line right after ready.
    if (m && !profile) resolve(ready);
    if (e || (m && ['kubeadm', 'k3s', 'openshift'].includes(profile))) resolve(ready);
  });
  emulator.once('exit', (code) => reject(new Error(`the emulator exited (code ${code}) before it was ready`)));
});

const env = { ...process.env, KUBECONFIG: kubeconfig, ...(envFile ? readEnvFile(envFile) : {}) };

/** The emulator's `export NAME='value'` lines (PATH prepended to ours), as `source FILE` would set them. */
function readEnvFile(file) {
  const out = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].replace(/"\$PATH"$/, '');
    v = v.replace(/^'(.*)'$/s, '$1').replace(/'\\''/g, "'");
    out[m[1]] = m[1] === 'PATH' ? `${v}${process.env.PATH ?? ''}` : v;
  }
  return out;
}
/** Runs the built plugin as a user would; its output goes straight to the terminal. */
function satoken(args, capture = false) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, ...args], { env, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (c) => (out += c));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

// One scan finds the pod of each namespace (their names are generated), then each gets the full report.
const scan = await satoken(['diagnose', '-A', '-o', 'json'], true);
const pods = new Map(JSON.parse(scan.out).items.map((i) => [i.pod.namespace, i.pod.name]));
console.log(bold(`\nkubectl satoken diagnose — ${DEMO_CASES.length} pods, one per failure mode, on an emulated ${profile ? `${profile} ` : ''}cluster at ${url}\n`));
let n = 0;
for (const c of DEMO_CASES) {
  const pod = pods.get(c.namespace);
  console.log(bold(`━━━ ${++n}/${DEMO_CASES.length} ${c.title} ━━━`));
  // A token no env variable names is diagnosed by its path (cases.ts `path`).
  const extra = [...(c.path ? ['--path', c.path] : []), ...(c.args ?? []), ...(c.auditLog ? ['--audit-log', auditLog] : [])];
  console.log(`$ kubectl satoken diagnose ${[pod, '-n', c.namespace, ...extra].join(' ')}\n`);
  const { code } = await satoken(['diagnose', pod, '-n', c.namespace, ...extra]);
  console.log(`(exit code ${code})\n`);
}

const dist = path.join(root, 'dist');
if (once) {
  // The emulator stops with this script: no invitation to try it.
  stop();
  console.log('The emulator has stopped (--once). Run `npm run demo` without --once to keep it running and try the commands yourself.');
  process.exit(0);
}
console.log(bold('Try it yourself against the running emulator (kubectl finds the plugin on PATH):'));
console.log(`  export KUBECONFIG=${kubeconfig}`);
if (envFile) console.log(`  source ${envFile}    # the ${profile} credential plugin's stand-in and its credentials`);
// The project's Node 24 too: the bundle refuses a Node older than 22.19, which a shell may have first.
console.log(`  export PATH=${dist}:${path.join(root, 'node_modules', '.bin')}:$PATH`);
console.log('  kubectl get pods -A');
console.log('  kubectl satoken diagnose -A');
console.log(`  kubectl satoken diagnose ${pods.get('diag-audience')} -n diag-audience --explain`);
console.log('  …then run the printed fix commands, and diagnose the re-created pod again.');
console.log('\nThe emulator keeps running; press Ctrl-C to stop it.');
await new Promise(() => {});
