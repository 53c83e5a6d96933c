// Injected into the CJS bundle so that `import.meta.url` (used by yargs) has a value.
export const import_meta_url = require('node:url').pathToFileURL(__filename).href;
