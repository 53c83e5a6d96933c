/**
 * The whole release through the independent verifier (scripts/release/verify/): `npm run release
 * -- --all-platforms` into a temp dir once (beforeAll; ~50 s alone on two cores, Node binaries from
 * the npm cache), then every platform of its plugin.yaml must pass, and one flipped byte in a
 * signed page of the darwin/arm64 executable must not. Fails until the darwin signer and the PE
 * certificate fix are in: the verifier then reports darwin unsigned (postject drops
 * LC_CODE_SIGNATURE), darwin/arm64 served by the x86_64 archive, and windows' stale certificate
 * directory and CheckSum.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tarGz } from '../../scripts/release/archive.mjs';
import { formatLine, parseMachO, readArchive, verifyMachO, verifyPlatformArchive, verifyRelease } from '../../scripts/release/verify/index.mjs';

const root = path.resolve(__dirname, '../..');
const out = mkdtempSync(path.join(tmpdir(), 'satoken-verify-release-'));
let release: ReturnType<typeof spawnSync>;

beforeAll(() => {
  // --skip-dist: other test files run dist/ meanwhile; the release builds its own bundle from src/.
  release = spawnSync(process.execPath, ['scripts/release/release.mjs', '--all-platforms', '--out', out, '--skip-dist', '--fast'], {
    cwd: root, encoding: 'utf8', timeout: 290_000,
  });
}, 300_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

test('npm run release --all-platforms: every platform of plugin.yaml passes the verifier', () => {
  expect(release.status).toBe(0);
  const reports = verifyRelease(out);
  expect(reports.map((r: { platform: string }) => r.platform)).toEqual(['linux/amd64', 'linux/arm64', 'darwin/amd64', 'darwin/arm64', 'windows/amd64']);
  // The lines the CLI prints, so a failure shows the verifier's whole report.
  expect(reports.map(formatLine).join('\n')).not.toMatch(/^FAIL/m);
  const cli = spawnSync(process.execPath, ['scripts/release/verify/index.mjs', out], { cwd: root, encoding: 'utf8' });
  expect(cli.stdout.trim().split('\n')).toHaveLength(5);
  expect(cli.status).toBe(0);
}, 120_000);

test('one flipped byte inside a signed page of the darwin/arm64 executable is refused, the page named', () => {
  expect(release.status).toBe(0);
  const p = verifyRelease(out).find((r: { platform: string }) => r.platform === 'darwin/arm64')!;
  const manifest = readFileSync(path.join(out, 'plugin.yaml'), 'utf8');
  const entry = manifest.split('  - selector:').find((s) => /os: darwin\s+arch: arm64/.test(s))!;
  const files = readArchive(p.archive, readFileSync(path.join(out, p.archive)));
  const bin = files.find((e: { name: string }) => e.name === 'kubectl-satoken')!;
  const m = parseMachO(bin.data);
  expect(m.cputype).toBe(0x0100000c);
  const text = m.segments.find((s: { name: string }) => s.name === '__TEXT')!;
  const at = text.fileoff + Math.floor(text.filesize / 2) + 123;
  const page = Math.floor(at / 4096);
  const data = Buffer.from(bin.data);
  data[at] ^= 0x01;
  const r = verifyMachO(data, { requireSea: true });
  expect(r.ok).toBe(false);
  expect(r.problems.join('\n')).toContain(`page ${page} [0x${(page * 4096).toString(16)}, 0x${((page + 1) * 4096).toString(16)})`);
  // The same through the archive: repacked with the manifest's sha256 updated, still refused.
  const tgz = tarGz(files.map((e: { name: string; mode: number; data: Buffer }) => (e === bin ? { ...e, data } : e)), 0, 1);
  const sha = createHash('sha256').update(tgz).digest('hex');
  const rp = verifyPlatformArchive({
    os: 'darwin', arch: 'arm64', uri: `https://example.com/${p.archive}`, sha256: sha, bin: 'kubectl-satoken',
    files: [...entry.matchAll(/- from: (\S+)/g)].map((x) => ({ from: x[1], to: '.' })),
  }, tgz);
  expect(rp.problems).toEqual(r.problems);
}, 120_000);

/**
 * Two builds of one commit give the same bytes: a second, host-only release into another
 * directory must reproduce the linux/amd64 archive of the full one above. What made it differ
 * before: the V8 code caches (random hash seed, background compilation and GC timing) and the
 * build directory's path recorded in them (scripts/release/sea.mjs, CODE_CACHE_V8_FLAGS).
 */
test('the linux/amd64 archive is reproducible: a second build gives the same sha256', () => {
  expect(release.status).toBe(0);
  const again = mkdtempSync(path.join(tmpdir(), 'satoken-verify-release-again-'));
  try {
    const r = spawnSync(process.execPath, ['scripts/release/release.mjs', '--out', again, '--skip-dist', '--fast'], {
      cwd: root, encoding: 'utf8', timeout: 240_000,
    });
    expect(r.status).toBe(0);
    const sums = (dir: string) => new Map(readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/).reverse() as [string, string]));
    const name = [...sums(again).keys()].find((n) => n.endsWith('_linux_amd64.tar.gz'))!;
    expect(name).toBeDefined();
    expect(sums(again).get(name)).toBe(sums(out).get(name));
  } finally {
    rmSync(again, { recursive: true, force: true });
  }
}, 250_000);

/**
 * The linux/arm64 executable, run under qemu user-mode emulation with Debian's arm64 C library:
 * `--version` names the Node it carries, and `decode` judges a token. `.ci/run` installs qemu.
 */
const QEMU = '/usr/bin/qemu-aarch64-static';
const ARM64_ROOT = '/usr/aarch64-linux-gnu';
const qemuMissing = !existsSync(QEMU) || !existsSync(path.join(ARM64_ROOT, 'lib/ld-linux-aarch64.so.1'))
  ? 'qemu-aarch64-static or the arm64 C library is not installed (Debian: qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)'
  : undefined;
// CI installs them: there a missing qemu is a failure, not a skip.
const arm64Test = qemuMissing && !process.env.CI ? test.skip : test;
arm64Test(`the linux/arm64 executable runs under qemu: --version and decode${qemuMissing && !process.env.CI ? ` (skipped: ${qemuMissing})` : ''}`, () => {
  expect(qemuMissing).toBeUndefined();
  expect(release.status).toBe(0);
  const archive = readdirSync(out).find((f) => f.endsWith('_linux_arm64.tar.gz'))!;
  const bin = readArchive(archive, readFileSync(path.join(out, archive))).find((e: { name: string }) => e.name === 'kubectl-satoken')!;
  const dir = mkdtempSync(path.join(tmpdir(), 'satoken-arm64-'));
  try {
    const exe = path.join(dir, 'kubectl-satoken');
    writeFileSync(exe, bin.data, { mode: 0o755 });
    const run = (args: string[]) =>
      spawnSync(QEMU, ['-L', ARM64_ROOT, exe, ...args], { encoding: 'utf8', timeout: 120_000, env: { PATH: '/nonexistent', NO_COLOR: '1' } });
    const version = run(['--version']);
    expect(version.stderr).toBe('');
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^kubectl-satoken \d+\.\d+\.\d+ \(commit \w+, node \d+\.\d+\.\d+\)$/m);
    const now = Math.floor(Date.now() / 1000);
    const token = fakeToken({ exp: now + 3600, iat: now, nbf: now });
    const decoded = run(['decode', token, '-o', 'json']);
    expect(decoded.status).toBe(0);
    const inspection = JSON.parse(decoded.stdout);
    expect(inspection.kind).toBe('TokenInspection');
    expect(JSON.stringify(inspection)).toContain('system:serviceaccount:shop:web');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 240_000);

function fakeToken(times: { exp: number; iat: number; nbf: number }): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const iss = 'https://kubernetes.default.svc';
  const claims = {
    iss, sub: 'system:serviceaccount:shop:web', aud: [iss], ...times,
    'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'web', uid: 'u-1' }, pod: { name: 'web-0', uid: 'p-1' } },
  };
  return [b({ alg: 'RS256', kid: 'k1' }), b(claims), b({ fake: 'signature' })].join('.');
}
