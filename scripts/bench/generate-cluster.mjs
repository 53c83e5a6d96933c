#!/usr/bin/env node
/**
 * Writes the scale benchmark's cluster as one JSON `List` for the emulator's --objects, streaming
 * (one object in memory at a time, the write stream's back-pressure respected):
 *
 *   node scripts/bench/generate-cluster.mjs --out FILE [--fraction 0.1]
 *
 * Full scale: 2,000 namespaces, 20,000 ServiceAccounts, 50,000 pods, 100,000 Secrets of which
 * 10,000 ServiceAccount tokens (scripts/bench/cluster-objects.ts). Prints the counts as JSON.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { clusterObjects, FULL_SCALE, scaled, totals } from './cluster-objects.ts';

/** Streams the List to `file`; resolves with the counts and the bytes written. */
export async function generateCluster(file, fraction = 1) {
  const scale = scaled(fraction, FULL_SCALE);
  const out = createWriteStream(file);
  const write = async (text) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('{"apiVersion":"v1","kind":"List","items":[\n');
  let first = true;
  for (const obj of clusterObjects(scale)) {
    await write((first ? '' : ',\n') + JSON.stringify(obj));
    first = false;
  }
  await write('\n]}\n');
  out.end();
  await once(out, 'finish');
  return { file, fraction, ...totals(scale), bytes: out.bytesWritten };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, fraction: { type: 'string', default: '1' } } });
  if (!values.out) {
    process.stderr.write('usage: node scripts/bench/generate-cluster.mjs --out FILE [--fraction 0.1]\n');
    process.exitCode = 2;
  } else {
    process.stdout.write(JSON.stringify(await generateCluster(values.out, Number(values.fraction))) + '\n');
  }
}
