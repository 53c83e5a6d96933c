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
import { mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
