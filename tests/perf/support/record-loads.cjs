// Preloaded (node -r) into the built cli by tests/perf/startup-loads.test.ts: at exit, writes to the
// file named by SATOKEN_LOADS_OUT which of the bundle's files were required, which Node built-in
// modules were loaded beyond those a bare `node` loads, and whether string-width's Intl.Segmenter
// was ever built.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const atStart = new Set(process.moduleLoadList);
let segmenters = 0;
const Segmenter = Intl.Segmenter;
Intl.Segmenter = function (...args) {
  segmenters++;
  return new Segmenter(...args);
};
process.on('exit', () => {
  fs.writeFileSync(
    process.env.SATOKEN_LOADS_OUT,
    JSON.stringify({
      files: Object.keys(require.cache).map((f) => path.basename(f)),
      builtins: process.moduleLoadList.filter((m) => !atStart.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)),
      segmenters,
    }),
  );
});
