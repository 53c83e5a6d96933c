/**
 * The npm package: `files` holds only what runs (the bundles, LICENSE, README), `bin` names both
 * executables, `engines` says the Node it needs; and the packed tarball installs offline and runs
 * the way npx runs it (`npm install --prefix DIR ./kubectl-satoken-X.tgz`, then its bin).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COMMANDS } from '../../src/cli/commands/index';
import { ensureBundle, NODE24, onlyDir, ROOT } from '../support/bundle';
import { makeBoundToken, signatureOf } from '../support/tokens';

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

let work: string;
beforeAll(() => {
  ensureBundle();
  work = mkdtempSync(path.join(tmpdir(), 'satoken-npm-'));
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('package.json: both bins, engines >= 22.19, nothing to install at run time', () => {
  expect(pkg.bin).toEqual({ 'kubectl-satoken': 'dist/kubectl-satoken', 'kubectl_complete-satoken': 'dist/kubectl_complete-satoken' });
  expect(pkg.engines).toEqual({ node: '>=22.19.0' });
  // Everything is bundled: a runtime dependency would be downloaded by every npx user for nothing.
  expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
});

test('npm pack --dry-run: exactly the files that run, executables with their run bit', () => {
  const [report] = JSON.parse(npm(['pack', '--dry-run', '--json'], ROOT));
  const files = (report.files as Array<{ path: string; mode: number }>).map((f) => f.path).sort();
  expect(files).toEqual(
    [
      'LICENSE', 'README.md', 'dist/kubectl-satoken', 'dist/kubectl_complete-satoken', 'dist/kubectl_complete-satoken-cluster.cjs', 'dist/package.json', 'package.json',
      // the launcher's bundles (scripts/cli-chunks.mjs)
      'dist/satoken-cli.cjs', 'dist/satoken-decode.cjs', 'dist/satoken-client-node.cjs',
      'dist/satoken-jose.cjs', 'dist/satoken-ws.cjs', 'dist/satoken-yaml.cjs', 'dist/satoken-texts.cjs',
    ].sort(),
  );
  for (const bin of Object.values(pkg.bin as Record<string, string>)) {
    const f = (report.files as Array<{ path: string; mode: number }>).find((x) => x.path === bin)!;
    expect(f.mode & 0o111).not.toBe(0);
  }
  // dist/package.json makes the extensionless CJS bundles load as CommonJS inside a "type": "module" package.
  expect(JSON.parse(readFileSync(path.join(ROOT, 'dist', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  console.log(`npm package: ${(report.size / 1e6).toFixed(1)} MB packed, ${(report.unpackedSize / 1e6).toFixed(1)} MB unpacked`);
});

test('the packed tarball installs offline into a prefix and its bins run, as npx would run them', () => {
  const packDir = path.join(work, 'pack');
  mkdirSync(packDir);
  const [report] = JSON.parse(npm(['pack', '--json', '--pack-destination', packDir], ROOT));
  const tgz = path.join(packDir, report.filename);
  const prefix = path.join(work, 'prefix');
  mkdirSync(prefix);
  npm(['install', '--prefix', prefix, tgz, '--no-audit', '--no-fund', '--offline'], work);

  const bin = path.join(prefix, 'node_modules', '.bin');
  expect(readdirSync(bin).sort()).toEqual(['kubectl-satoken', 'kubectl_complete-satoken']);
  // PATH: the installed bins and a Node >= 22.19, nothing else (not the repository's node_modules).
  const env = { PATH: `${bin}:${onlyDir(work, 'node', NODE24)}`, HOME: work, KUBECONFIG: path.join(work, 'none') };

  const version = spawnSync('kubectl-satoken', ['--version'], { env, encoding: 'utf8' });
  expect(version.status).toBe(0);
  expect(version.stdout).toContain(`kubectl-satoken ${pkg.version} (commit `);

  // Issued a minute ago by the wall clock: the installed plugin judges it against real time.
  const token = makeBoundToken({ namespace: 'ci', issuedAt: new Date(Date.now() - 60_000) });
  const decode = spawnSync('kubectl-satoken', ['decode', '-o', 'json', token], { env, encoding: 'utf8' });
  expect(decode.status).toBe(0);
  expect(JSON.parse(decode.stdout).kind).toBe('TokenInspection');
  expect(decode.stdout).not.toContain(signatureOf(token));

  const complete = spawnSync('kubectl_complete-satoken', [''], { env, encoding: 'utf8' });
  expect(complete.status).toBe(0);
  const lines = complete.stdout.trim().split('\n');
  expect(lines.pop()).toBe(':4');
  expect(lines.map((l) => l.split('\t')[0])).toEqual(COMMANDS.map((c) => c.command.split(' ')[0]));
});
