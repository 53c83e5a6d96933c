#!/usr/bin/env node
// `npm run cluster -- --kubeconfig PATH …`: bundles the emulator (tests/apiserver) with esbuild
// into .tmp/ (dependencies stay external) and runs it. See tests/apiserver/README.md.
// With `--real`: a real single-node Kubernetes built from upstream sources (scripts/realcluster).
const argv = process.argv.slice(2);
if (argv.includes('--real')) {
  const { main } = await import('./realcluster/cluster.mjs');
  await main(argv);
} else {
  const { importTs } = await import('./import-ts.mjs');
  const { main } = await importTs('tests/apiserver/cli.ts', 'apiserver-cli');
  await main(argv);
}
