// What the real cluster changes on the host outside its run directory, recorded before it starts
// so that stopping it puts the host back: processes, mounts, cgroups, kernel tunables, and the few
// fixed paths containerd and the kubelet write to whatever their configuration says.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, rmdirSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The kubelet sets these when protectKernelDefaults is false (k/k pkg/kubelet/cm/container_manager_linux.go
// setupKernelTunables); they are restored on stop.
/** The Linux bridge of the CNI configuration; pods on the host network never create it. */
export const BRIDGE = 'kt0';

const TUNABLES = ['vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops', 'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes'];

// Fixed paths outside the run directory: the shim socket directory (containerd pkg/shim/util_unix.go,
// defaults.DefaultStateDir + "/s"), libcni's cache and netns files for pods off the host network.
const FIXED_PATHS = ['/run/containerd', '/var/lib/cni', '/run/netns', '/var/log/pods', '/var/lib/kubelet', '/etc/cni', '/opt/cni', '/opt/containerd', '/var/lib/containerd', '/run/nri', '/etc/cdi', '/run/cdi', '/etc/kubernetes'];

function cgroupRoots() {
  try {
    return readdirSync('/sys/fs/cgroup').map((d) => path.join('/sys/fs/cgroup', d)).filter((d) => { try { return statSync(d).isDirectory(); } catch { return false; } });
  } catch {
    return [];
  }
}

/** The host state to restore; call before anything starts. */
export function snapshotHost(bin) {
  const tunables = {};
  for (const t of TUNABLES) {
    try { tunables[t] = readFileSync(`/proc/sys/${t}`, 'utf8').trim(); } catch { /* absent on this kernel */ }
  }
  return {
    bin,
    tunables,
    existing: FIXED_PATHS.filter((p) => existsSync(p)),
    kubepods: cgroupRoots().filter((r) => existsSync(path.join(r, 'kubepods'))),
    shimSockets: listDir('/run/containerd/s'),
    bridge: existsSync(`/sys/class/net/${BRIDGE}`),
  };
}

function listDir(d) {
  try { return readdirSync(d); } catch { return []; }
}

/** Mount points at or under `prefix`, deepest first (from /proc/self/mountinfo, octal escapes decoded). */
export function mountsUnder(prefixes) {
  const out = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    const mp = f[4].replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    if (prefixes.some((p) => mp === p || mp.startsWith(p + '/'))) out.push(mp);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

function unmountAll(prefixes) {
  for (let round = 0; round < 5; round++) {
    const mps = mountsUnder(prefixes);
    if (!mps.length) return;
    for (const mp of mps) {
      try { execFileSync('umount', [mp], { stdio: 'ignore' }); } catch {
        try { execFileSync('umount', ['-l', mp], { stdio: 'ignore' }); } catch { /* gone already, or busy: next round */ }
      }
    }
  }
}

/** Pids in the kubelet's pod cgroups (every hierarchy). */
function podPids() {
  const pids = new Set();
  const walk = (d) => {
    for (const p of listDir(d)) {
      const full = path.join(d, p);
      if (p === 'cgroup.procs') {
        try { for (const l of readFileSync(full, 'utf8').split('\n')) if (l) pids.add(Number(l)); } catch { /* raced */ }
      } else {
        try { if (statSync(full).isDirectory()) walk(full); } catch { /* raced */ }
      }
    }
  };
  for (const r of cgroupRoots()) walk(path.join(r, 'kubepods'));
  return [...pids];
}

function rmCgroupTree(d) {
  for (const p of listDir(d)) {
    const full = path.join(d, p);
    try { if (statSync(full).isDirectory()) rmCgroupTree(full); } catch { /* raced */ }
  }
  try { rmdirSync(d); } catch { /* busy or gone */ }
}

/**
 * Processes of ours: running a binary of the build directory `bin` with `needle` (the run directory or
 * containerd's socket) in their arguments. Anyone else's process that merely names the run directory
 * (a `tail` of a log) is left alone.
 */
export function processesMentioning(needle, bin) {
  const out = [];
  let binReal;
  try { binReal = realpathSync(bin); } catch { return out; }
  for (const p of listDir('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const exe = readlinkSync(`/proc/${p}/exe`);
      if (!exe.startsWith(binReal + '/')) continue;
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle)) out.push(Number(p));
    } catch { /* exited, or not ours to read */ }
  }
  return out;
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export async function killAndWait(pids, signal = 'SIGTERM', ms = 10_000) {
  for (const p of pids) { try { process.kill(p, signal); } catch { /* exited */ } }
  const deadline = Date.now() + ms;
  while (pids.some(alive) && Date.now() < deadline) await sleep(100);
  const left = pids.filter(alive);
  for (const p of left) { try { process.kill(p, 'SIGKILL'); } catch { /* exited */ } }
  const hard = Date.now() + 5_000;
  while (left.some(alive) && Date.now() < hard) await sleep(100);
}

/**
 * Stops every container and shim of the run directory `dir`, unmounts everything under it and under
 * the fixed paths it created, removes the pod cgroups, restores the kernel tunables and deletes `dir`.
 */
/** Kills every container process (pod cgroups), then the shims that served containerd at `socket`. */
export async function stopPods(socket, bin) {
  for (let i = 0; i < 3; i++) {
    const pids = podPids();
    if (!pids.length) break;
    await killAndWait(pids, 'SIGKILL', 5_000);
  }
  await killAndWait(processesMentioning(socket, bin), 'SIGTERM', 5_000);
}

export async function restoreHost(dir, before) {
  await stopPods(path.join(dir, 'containerd.sock'), before.bin);
  // Anything else of ours still running (a run that died without stopping its children).
  await killAndWait(processesMentioning(dir, before.bin), 'SIGTERM', 10_000);
  const created = FIXED_PATHS.filter((p) => !before.existing.includes(p) && existsSync(p));
  unmountAll([dir, ...created]);
  for (const r of cgroupRoots()) if (!before.kubepods.includes(r)) rmCgroupTree(path.join(r, 'kubepods'));
  for (const [t, v] of Object.entries(before.tunables)) {
    try { if (readFileSync(`/proc/sys/${t}`, 'utf8').trim() !== v) writeFileSync(`/proc/sys/${t}`, v); } catch { /* read-only here */ }
  }
  if (!before.bridge && existsSync(`/sys/class/net/${BRIDGE}`)) {
    try { execFileSync('ip', ['link', 'del', BRIDGE], { stdio: 'ignore' }); } catch { /* gone */ }
  }
  for (const s of listDir('/run/containerd/s')) if (!before.shimSockets.includes(s)) rmSync(path.join('/run/containerd/s', s), { force: true });
  for (const p of created) rmSync(p, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}
