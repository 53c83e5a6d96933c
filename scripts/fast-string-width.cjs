// Stands in for `string-width` inside the bundles (scripts/build.mjs swaps it in for every importer:
// yargs, cliui, wrap-ansi, cli-table3). The real modules build an Intl.Segmenter and Unicode-property
// regexes when they load, which cost tens of milliseconds on every `--help`; yet almost every string
// they measure here is text whose width is its length: printable ASCII, and the Latin, Greek,
// punctuation (— … →), maths and box-drawing characters our help and tables use. Those are answered
// at once; anything else (ANSI colour codes, tabs, wide or combining characters, emoji, the few
// characters the versions disagree on, like ↔) loads the real module, whose path build.mjs
// substitutes below. tests/perf/fast-string-width.test.ts checks every character of the fast set
// against each installed string-width version.
'use strict';
const narrow =
  /^[\x20-\x7e\u00a0-\u00a8\u00aa-\u00ac\u00af-\u017f\u0370-\u03ff\u2010-\u2029\u202f-\u203b\u203d-\u2048\u204a-\u205e\u2190-\u2193\u219a-\u21a8\u21ab-\u21ff\u2200-\u22ff\u2500-\u259f]*$/;
let real;

function stringWidth(string, options) {
  // ambiguousIsNarrow: false (string-width >= 5) makes some of the fast set wide.
  if (typeof string === 'string' && narrow.test(string) && options?.ambiguousIsNarrow !== false) return string.length;
  if (real === undefined) {
    const m = require(__REAL_STRING_WIDTH__);
    real = typeof m === 'function' ? m : m.default;
  }
  return real(string, options);
}

module.exports = stringWidth;
module.exports.default = stringWidth;
