#!/usr/bin/env node
// `node scripts/release/verify/index.mjs <release-dir> [--allow-unsigned-x64] [--json]`: checks
// every platform of <release-dir>/plugin.yaml against its archive (archive.mjs), prints one line
// per platform, exits 1 if any has a problem. Independent of the code that builds and signs the
// release: it reads the archives back with its own tar/zip readers and checks the executables
// from the Mach-O and PE formats' public definitions (macho.mjs, pe.mjs).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { verifyRelease } from './archive.mjs';

export { verifyRelease, verifyPlatformArchive, installedLayout, readArchive, globRegExp } from './archive.mjs';
export { verifyMachO, parseMachO } from './macho.mjs';
export { verifyPE, parsePE, peChecksum, resourceNames } from './pe.mjs';
export { binaryKind } from './binary-kind.mjs';
export { readTarGz, readTar } from './tar.mjs';
export { readZip } from './zip.mjs';
export { findFuse, FUSE } from './sea-fuse.mjs';

/**
 * One line for a platform: `ok`/`FAIL`, the platform, the archive, then what was found or wrong.
 * @param {import('./archive.mjs').PlatformReport} rep
 */
export function formatLine(rep) {
  const f = rep.result.facts;
  const what = [f.binary];
  if (f.signed === true) {
    const cds = /** @type {{hashType: string}[]} */ (f.codeDirectories ?? []);
    what.push(`signed${f.adhoc ? ' ad-hoc' : ''} (${cds.map((c) => c.hashType).join('+')}, ${f.pages} pages, CMS ${f.cms ? 'present' : 'absent'}, identifier ${f.identifier})`);
  } else if (f.signed === false) what.push('unsigned');
  if (f.checksum) what.push(`CheckSum ${/** @type {{computed: string}} */ (f.checksum).computed}`, f.certificateTable ? 'certificate table' : 'no certificate table');
  const head = `${rep.result.ok ? 'ok  ' : 'FAIL'} ${rep.platform.padEnd(13)} ${rep.archive}`;
  const tail = rep.result.ok ? what.filter(Boolean).join(', ') : rep.result.problems.join('; ');
  return `${head}: ${tail} [${rep.ms} ms]`;
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'allow-unsigned-x64': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) {
    process.stderr.write('usage: node scripts/release/verify/index.mjs <release-dir> [--allow-unsigned-x64] [--json]\n');
    process.exitCode = 2;
    return;
  }
  const reports = verifyRelease(path.resolve(positionals[0]), { allowUnsignedX64: values['allow-unsigned-x64'] });
  if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  else for (const r of reports) process.stdout.write(`${formatLine(r)}\n`);
  if (reports.length === 0) process.stderr.write('verify: plugin.yaml lists no platforms\n');
  if (reports.length === 0 || reports.some((r) => !r.result.ok)) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
