// Stand-in for optional native modules that are never bundled: behaves as if not installed.
const err = new Error('Cannot find module (optional dependency not bundled)');
err.code = 'MODULE_NOT_FOUND';
throw err;
