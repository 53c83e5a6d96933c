// Each test file gets a cache directory of its own (XDG_CACHE_HOME): the plugin keeps the memory of
// its own token reads (own-reads.json) and its code caches there, and a file written by one test's
// cluster must not change what another test's diagnosis concludes, nor leak into the user's ~/.cache.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

process.env.XDG_CACHE_HOME = mkdtempSync(path.join(tmpdir(), 'satoken-test-cache-'));
