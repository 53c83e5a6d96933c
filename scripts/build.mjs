#!/usr/bin/env node
// Bundles src/main.ts into one self-contained CommonJS executable, dist/kubectl-satoken.
// CJS because the Node single executable (release) needs it; see ../shared/design/TOOLCHAIN.md.
import { build } from 'esbuild';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** Options shared by every bundle the project builds (the CLI, the completion helper). */
export function bundleOptions(entry, outfile) {
  return {
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    // Minifying renames classes; errors are tested with instanceof, but names still show in --debug.
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    banner: { js: '#!/usr/bin/env node' },
    // yargs calls createRequire(import.meta.url); import.meta is {} in CJS, so inject a shim.
    define: {
      'import.meta.url': 'import_meta_url',
      __SATOKEN_VERSION__: JSON.stringify(pkg.version),
      __SATOKEN_COMMIT__: JSON.stringify(gitCommit()),
    },
    inject: [path.join(root, 'scripts/import-meta-url.cjs')],
    // Optional native helpers of ws/client-node: never present in the bundle; a stub that throws
    // MODULE_NOT_FOUND keeps their try/require fallbacks working.
    alias: {
      bufferutil: path.join(root, 'scripts/missing-module.cjs'),
      'utf-8-validate': path.join(root, 'scripts/missing-module.cjs'),
      encoding: path.join(root, 'scripts/missing-module.cjs'),
      'supports-color': path.join(root, 'scripts/missing-module.cjs'),
    },
  };
}

export async function buildAll() {
  await mkdir(dist, { recursive: true });
  const out = path.join(dist, 'kubectl-satoken');
  await build(bundleOptions('src/main.ts', out));
  await chmod(out, 0o755);
  // An extensionless file inside a "type": "module" package loads as ESM on Node 22+.
  await writeFile(path.join(dist, 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildAll();
  process.stdout.write(`built ${path.relative(process.cwd(), out)}\n`);
}
