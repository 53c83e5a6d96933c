// Injected into the CJS bundles so that `import.meta.url` (used by yargs) has a value. A getter:
// computing the URL costs a millisecond of start-up in every file, and only yargs' chunk reads it.
export const import_meta = {
  get url() {
    return require('node:url').pathToFileURL(__filename).href;
  },
};
