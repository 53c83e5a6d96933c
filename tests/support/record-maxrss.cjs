// Preloaded (node --require) into a child process whose peak memory a test bounds: at exit, writes
// the process's peak resident set size in KB to the file named by SATOKEN_MAXRSS_OUT. Peak, not a
// sample: a short spike between two polls is still counted.
//
// From /proc/self/status's VmHWM, not process.resourceUsage().maxRSS: Linux keeps ru_maxrss across
// execve, so a child spawned by a Jest worker holding 260 MB reported 260 MB whatever it used
// (that failed the scale test in the full suite). VmHWM belongs to the process's own memory map.
'use strict';
const fs = require('node:fs');

function peakKB() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: the kernel's ru_maxrss, the best there is
  }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => {
  if (process.env.SATOKEN_MAXRSS_OUT) fs.writeFileSync(process.env.SATOKEN_MAXRSS_OUT, String(peakKB()));
});
