#!/usr/bin/env node
// `npm run cluster -- --kubeconfig PATH …`: bundles the emulator (tests/apiserver) with esbuild
// into .tmp/ (dependencies stay external) and runs it. See tests/apiserver/README.md.
import { importTs } from './import-ts.mjs';

const { main } = await importTs('tests/apiserver/cli.ts', 'apiserver-cli');
await main(process.argv.slice(2));
