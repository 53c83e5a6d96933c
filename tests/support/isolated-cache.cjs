// Each test file gets a cache directory of its own (XDG_CACHE_HOME): the plugin keeps the memory of
// its own token reads (own-reads.json) and its code caches there, and a file written by one test's
// cluster must not change what another test's diagnosis concludes, nor leak into the user's ~/.cache.
// The builds that belong to the machine stay where they are: Go's build cache (which would follow
// XDG_CACHE_HOME) and the real cluster's binaries (scripts/realcluster/build.sh).
const { mkdtempSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const machineCache = process.env.XDG_CACHE_HOME && path.isAbsolute(process.env.XDG_CACHE_HOME) ? process.env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
process.env.GOCACHE ??= path.join(machineCache, 'go-build');
process.env.SATOKEN_REALCLUSTER_CACHE ??= path.join(machineCache, 'kubectl-satoken', 'realcluster');
process.env.XDG_CACHE_HOME = mkdtempSync(path.join(os.tmpdir(), 'satoken-test-cache-'));
