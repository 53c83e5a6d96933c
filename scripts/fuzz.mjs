#!/usr/bin/env node
// `npm run fuzz [-- --seed N] [--scale K]`: the fuzz tests of tests/fuzz with a fresh seed and K
// times the runs of `npm test` (default 20, about 2,000,000 tokens through the JWT core). The seed
// is printed first, so any failure can be replayed: `npm run fuzz -- --seed N`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
};
const seed = arg('seed', String(Math.floor(Math.random() * 2 ** 31)));
const scale = arg('scale', '20');
if (!/^\d+$/.test(seed) || !(Number(scale) > 0)) {
  process.stderr.write('usage: npm run fuzz -- [--seed N] [--scale K]\n');
  process.exit(2);
}
process.stdout.write(`fuzz: seed ${seed}, scale ${scale} (replay: npm run fuzz -- --seed ${seed} --scale ${scale})\n`);
const r = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', path.join(root, 'node_modules/jest/bin/jest.js'), 'tests/fuzz', '--testTimeout', String(600_000 * Number(scale))],
  { cwd: root, stdio: 'inherit', env: { ...process.env, FUZZ_SEED: seed, FUZZ_SCALE: scale } },
);
if (r.status !== 0) process.stdout.write(`fuzz: FAILED with seed ${seed} (replay: npm run fuzz -- --seed ${seed} --scale ${scale})\n`);
process.exit(r.status ?? 1);
