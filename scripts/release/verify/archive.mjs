// Checks each platform of a release directory's plugin.yaml against its archive the way
// `kubectl krew install` will use it (kubernetes-sigs/krew internal/installation/install.go,
// move.go; internal/download/downloader.go):
//   - the archive's sha256 is the manifest's (krew refuses the download otherwise);
//   - every `files` entry's `from` is a file or directory of the archive, or else a glob matching
//     at least one (findMoveTargets: "no files in the plugin archive matched the glob pattern");
//     a direct file with `to: .` keeps its base name, glob matches keep theirs under `to`;
//   - `bin` is among the moved files (createOrUpdateLink: "source binary ... cannot be found in
//     extracted archive") and is executable: krew creates each file with the archive's mode
//     (os.FileMode(hdr.Mode) for tar, f.Mode() for zip), so a 0644 bin is not runnable;
//   - the bin is an executable for the platform's os and arch, then the Mach-O or PE checks.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { binaryKind, FORMAT_OF_OS } from './binary-kind.mjs';
import { verifyMachO } from './macho.mjs';
import { verifyPE } from './pe.mjs';
import { finish, newResult } from './result.mjs';
import { checkFuse } from './sea-fuse.mjs';
import { readTarGz } from './tar.mjs';
import { readZip } from './zip.mjs';

/**
 * A platform of the manifest, as far as the checks need it.
 * @typedef {{ os: string, arch: string, uri: string, sha256: string, bin: string, files?: { from: string, to: string }[] }} ManifestPlatform
 */

/**
 * @typedef {object} VerifyOptions
 * @property {boolean} [allowUnsignedX64]  accept a darwin/amd64 executable with no signature at all
 */

/**
 * @typedef {object} PlatformReport
 * @property {string} platform  `darwin/arm64`
 * @property {string} archive   the archive's file name (from the uri)
 * @property {import('./result.mjs').CheckResult} result
 * @property {number} ms        time spent on it
 */

/** Entries of an archive by its name's extension. */
export function readArchive(/** @type {string} */ name, /** @type {Buffer} */ data) {
  if (name.endsWith('.zip')) return readZip(data);
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return readTarGz(data);
  throw new Error(`${name}: neither .tar.gz nor .zip`);
}

/** filepath.Match-style glob (`*`, `?`, `[...]`, none crossing `/`) as a RegExp. */
export function globRegExp(/** @type {string} */ pattern) {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) throw new Error(`bad glob ${pattern}`);
      re += `[${pattern.slice(i + 1, close)}]`; // Go's [^...] negation reads the same in a RegExp
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Where krew puts each archive file: installed path → the entry, after the `files` operations;
 * problems for operations that match nothing.
 * @param {import('./tar.mjs').ArchiveEntry[]} entries
 * @param {{ from: string, to: string }[] | undefined} files
 * @param {string[]} problems
 */
export function installedLayout(entries, files, problems) {
  /** @type {Map<string, import('./tar.mjs').ArchiveEntry>} */
  const out = new Map();
  const regular = entries.filter((e) => e.type === '0');
  const clean = (/** @type {string} */ p) => path.posix.normalize(p).replace(/^\.\/|\/$/g, '');
  // install.go applyDefaults: no `files` means [{from: "*", to: "."}].
  for (const op of files ?? [{ from: '*', to: '.' }]) {
    const from = clean(op.from);
    const to = clean(op.to) === '.' ? '' : clean(op.to);
    const direct = regular.filter((e) => clean(e.name) === from || clean(e.name).startsWith(`${from}/`));
    if (direct.length) {
      // getDirectMove: the file (or directory) itself, renamed to `to` unless `to` is "."
      for (const e of direct) {
        const base = to === '' ? path.posix.basename(from) : to;
        out.set(clean(base + clean(e.name).slice(from.length)), e);
      }
      continue;
    }
    const re = globRegExp(from);
    const tops = new Set(regular.map((e) => clean(e.name)).flatMap((n) => n.split('/').map((_, i, a) => a.slice(0, i + 1).join('/'))));
    const matched = [...tops].filter((n) => re.test(n));
    if (!matched.length) {
      problems.push(`files: no file in the archive matches from: ${op.from}`);
      continue;
    }
    for (const m of matched) {
      for (const e of regular.filter((x) => clean(x.name) === m || clean(x.name).startsWith(`${m}/`))) {
        out.set(clean(path.posix.join(to, path.posix.basename(m) + clean(e.name).slice(m.length))), e);
      }
    }
  }
  return out;
}

/**
 * Checks one platform's archive (already read) against its manifest entry.
 * @param {ManifestPlatform} p
 * @param {Buffer} data  the archive file
 * @param {VerifyOptions} [options]
 */
export function verifyPlatformArchive(p, data, options = {}) {
  const r = newResult();
  const name = path.posix.basename(new URL(p.uri).pathname);
  const sha = createHash('sha256').update(data).digest('hex');
  if (sha !== p.sha256) r.problems.push(`sha256 ${sha} is not the manifest's ${p.sha256}`);
  let entries;
  try {
    entries = readArchive(name, data);
  } catch (e) {
    r.problems.push(/** @type {Error} */ (e).message);
    return finish(r);
  }
  r.facts.entries = entries.map((e) => `${e.name} ${e.mode.toString(8).padStart(4, '0')}`);
  const layout = installedLayout(entries, p.files, r.problems);
  const bin = layout.get(p.bin);
  if (!bin) {
    r.problems.push(`bin ${p.bin} is not among the installed files (${[...layout.keys()].join(', ') || 'none'})`);
    return finish(r);
  }
  if ((bin.mode & 0o777) !== 0o755) r.problems.push(`bin ${p.bin} has mode ${bin.mode.toString(8).padStart(4, '0')}, not 0755: krew installs it with that mode`);
  r.facts.binBytes = bin.data.length;
  const kind = binaryKind(bin.data);
  r.facts.binary = `${kind.format} ${kind.arch}`;
  const want = FORMAT_OF_OS[p.os];
  if (kind.format !== want || kind.arch !== p.arch) {
    const is = kind.format === 'unknown' ? 'not an executable of a known format' : `a ${kind.format} ${kind.arch} binary`;
    r.problems.push(`bin ${p.bin} is ${is}, not ${want} ${p.arch}`);
  }
  let deep;
  if (kind.format === 'macho') deep = verifyMachO(bin.data, { requireSea: true, allowUnsignedX64: options.allowUnsignedX64 });
  else if (kind.format === 'pe') deep = verifyPE(bin.data, { requireSea: true });
  else if (kind.format === 'elf') {
    deep = newResult();
    checkFuse(bin.data, deep.problems);
  }
  if (deep) {
    r.problems.push(...deep.problems);
    Object.assign(r.facts, deep.facts);
  }
  return finish(r);
}

/**
 * Every platform of `<dir>/plugin.yaml`, each against the archive its uri names, looked up in `dir`.
 * @param {string} dir
 * @param {VerifyOptions} [options]
 * @returns {PlatformReport[]}
 */
export function verifyRelease(dir, options = {}) {
  const manifest = /** @type {any} */ (loadYaml(readFileSync(path.join(dir, 'plugin.yaml'), 'utf8')));
  /** @type {ManifestPlatform[]} */
  const platforms = (manifest?.spec?.platforms ?? []).map((/** @type {any} */ x) => ({ ...x, os: x.selector?.matchLabels?.os, arch: x.selector?.matchLabels?.arch }));
  /** @type {Map<string, Buffer>} */
  const files = new Map();
  return platforms.map((p) => {
    const t0 = performance.now();
    const archive = path.posix.basename(new URL(p.uri).pathname);
    const file = path.join(dir, archive);
    let result;
    if (!existsSync(file)) {
      result = finish({ ok: false, problems: [`the archive ${archive} is not in ${dir}`], facts: {} });
    } else {
      if (!files.has(file)) files.set(file, readFileSync(file));
      result = verifyPlatformArchive(p, /** @type {Buffer} */ (files.get(file)), options);
    }
    return { platform: `${p.os}/${p.arch}`, archive, result, ms: Math.round(performance.now() - t0) };
  });
}
