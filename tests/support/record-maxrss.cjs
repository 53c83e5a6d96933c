// Preloaded (node --require) into a child process whose peak memory a test bounds: at exit, writes
// the process's peak resident set size (the kernel's ru_maxrss, in KB) to the file named by
// SATOKEN_MAXRSS_OUT. Peak, not a sample: a short spike between two polls is still counted.
'use strict';
const fs = require('node:fs');
process.on('exit', () => {
  if (process.env.SATOKEN_MAXRSS_OUT) fs.writeFileSync(process.env.SATOKEN_MAXRSS_OUT, String(process.resourceUsage().maxRSS));
});
