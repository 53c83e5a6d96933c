// esbuild plugins that keep costly modules out of the cli's start-up (issue 8), without changing
// what the code does: each swaps a dependency's import for a small stand-in that behaves the same
// for the way the bundle uses it. tests/perf/startup-shims.test.ts holds them to that.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Every `string-width` import (yargs, cliui, wrap-ansi, cli-table3) gets fast-string-width.cjs,
 * which answers the text our help and tables print itself and loads the real module only for
 * other text: loading the real one (Intl.Segmenter, Unicode-property regexes) was a third of `--help`.
 */
export function fastStringWidth() {
  const shim = readFileSync(path.join(here, 'fast-string-width.cjs'), 'utf8');
  return {
    name: 'fast-string-width',
    setup(b) {
      b.onResolve({ filter: /^string-width$/ }, async (args) => {
        if (args.pluginData?.real) return undefined; // our own look-up of the real module, below
        const real = await b.resolve('string-width', { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { real: true } });
        if (real.errors.length) return { errors: real.errors };
        return { path: real.path, namespace: 'fast-string-width' };
      });
      b.onLoad({ filter: /.*/, namespace: 'fast-string-width' }, (args) => ({
        contents: shim.replace('__REAL_STRING_WIDTH__', JSON.stringify(args.path)),
        loader: 'js',
        resolveDir: path.dirname(args.path),
      }));
    },
  };
}

/** yargs' `assert` import (its platform shim, nothing else) gets yargs-assert.cjs. */
export function yargsAssert() {
  return {
    name: 'yargs-assert',
    setup(b) {
      b.onResolve({ filter: /^(node:)?assert$/ }, (args) =>
        /[\\/]node_modules[\\/]yargs[\\/]/.test(args.importer) ? { path: path.join(here, 'yargs-assert.cjs') } : undefined,
      );
    },
  };
}

export const startupShims = () => [fastStringWidth(), yargsAssert()];
