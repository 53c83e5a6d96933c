// Ad-hoc code signature of a thin 64-bit Mach-O executable, written here on Linux, so that the darwin
// archives launch as krew unpacks them (Apple silicon kills an arm64 process with no valid signature;
// injecting the SEA blob invalidates the one Node ships with). Node's SEA guide does the same with
// Apple's tools: `codesign --remove-signature` before postject, `codesign --sign -` after
// (nodejs/node doc/api/single-executable-applications.md).
//
// The signature is what the Go linker writes for darwin (golang/go src/cmd/internal/codesign/codesign.go,
// "the same ad-hoc signing algorithm as the Darwin linker"): a SuperBlob at the 16-byte aligned end of
// __LINKEDIT, named by LC_CODE_SIGNATURE, holding a CodeDirectory of SHA-256 page hashes and an empty
// Requirements blob. Constants and struct layouts: apple-oss-distributions/xnu osfmk/kern/cs_blobs.h.
//
// Requirements or not: codesign.go at golang/go c49ffd27 wrote a lone CodeDirectory (nSpecialSlots 0),
// as ld64 does, but with the flag CS_LINKER_SIGNED, which tells tools the file is untouched since
// linking, not true after postject. codesign.go at golang/go 4743806 adds an empty Requirements blob
// hashed into special slot -2, and so does .NET's managed ad-hoc signer, which sets CS_ADHOC alone
// (dotnet/runtime src/installer/managed/Microsoft.NET.HostModel/MachO/BinaryFormat/Blobs/
// EmbeddedSignatureBlob.cs): we follow them. Both also add an empty CMS wrapper (CSMAGIC_BLOBWRAPPER,
// 8 bytes); we leave it out: an ad-hoc signature has no CMS signature to wrap, and ld64's carry none.
import { createHash } from 'node:crypto';

// apple/darwin-xnu EXTERNAL_HEADERS/mach-o/loader.h (header, segment_command_64, section_64 layouts)
const MH_MAGIC_64 = 0xfeedfacf; // read little-endian: x86_64 and arm64 files
const FAT_MAGICS = [0xcafebabe, 0xbebafeca, 0xcafebabf, 0xbfbafeca]; // FAT_MAGIC(_64) of mach-o/fat.h, either byte order
const MH_EXECUTE = 2;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d; // codesign.go
const CPU_TYPE_ARM64 = 0x0100000c;

// cs_blobs.h
const CSMAGIC_REQUIREMENTS = 0xfade0c01;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSSLOT_CODEDIRECTORY = 0;
const CSSLOT_REQUIREMENTS = 2;
const CS_SUPPORTSEXECSEG = 0x20400; // CodeDirectory version with execSeg* fields
const CS_ADHOC = 0x2;
const CS_HASHTYPE_SHA256 = 2;
const CS_SHA256_LEN = 32;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const PAGE_SIZE_BITS = 12; // codesign.go: code pages of 4096 bytes, on arm64 too
const PAGE_SIZE = 1 << PAGE_SIZE_BITS;
const CODE_DIRECTORY_SIZE = 88; // CS_CodeDirectory up to end_withExecSeg (codesign.go codeDirectorySize)

const align = (n, a) => Math.ceil(n / a) * a;
/** The VM page the kernel maps segments by: 16 KiB on arm64, 4 KiB on x86_64. */
const vmPage = (cputype) => (cputype === CPU_TYPE_ARM64 ? 0x4000 : 0x1000);

/** Header and load commands of a thin Mach-O 64; throws on anything else. */
function parse(buf) {
  if (buf.length < 32) throw new Error('not a Mach-O file (too short)');
  const magic = buf.readUInt32LE(0);
  if (FAT_MAGICS.includes(buf.readUInt32BE(0))) {
    throw new Error('a fat (universal) Mach-O: only thin 64-bit Mach-O files are signed here; ship one binary per architecture');
  }
  if (magic !== MH_MAGIC_64) throw new Error(`not a thin 64-bit little-endian Mach-O (magic 0x${magic.toString(16)})`);
  const m = { cputype: buf.readUInt32LE(4), filetype: buf.readUInt32LE(12), ncmds: buf.readUInt32LE(16), sizeofcmds: buf.readUInt32LE(20) };
  const segments = [];
  let codeSig;
  let firstSection = buf.length; // the load commands may grow up to the first section's bytes
  let off = 32;
  for (let i = 0; i < m.ncmds; i++) {
    const cmd = buf.readUInt32LE(off);
    const size = buf.readUInt32LE(off + 4);
    if (cmd === LC_SEGMENT_64) {
      const name = buf.toString('latin1', off + 8, off + 24).replace(/\0+$/, '');
      const fileoff = Number(buf.readBigUInt64LE(off + 40));
      segments.push({ at: off, name, fileoff, filesize: Number(buf.readBigUInt64LE(off + 48)) });
      for (let s = 0, n = buf.readUInt32LE(off + 64); s < n; s++) {
        const sectOff = buf.readUInt32LE(off + 72 + s * 80 + 48);
        if (sectOff) firstSection = Math.min(firstSection, sectOff);
      }
      if (fileoff) firstSection = Math.min(firstSection, fileoff);
    } else if (cmd === LC_CODE_SIGNATURE) {
      codeSig = { at: off, dataoff: buf.readUInt32LE(off + 8), datasize: buf.readUInt32LE(off + 12) };
    }
    off += size;
  }
  const linkedit = segments.find((s) => s.name === '__LINKEDIT');
  if (!linkedit) throw new Error('no __LINKEDIT segment');
  const last = segments.reduce((a, b) => (b.fileoff + b.filesize > a.fileoff + a.filesize ? b : a));
  if (last !== linkedit) throw new Error(`__LINKEDIT is not the last segment in the file (${last.name} ends later)`);
  return { ...m, segments, linkedit, text: segments.find((s) => s.name === '__TEXT'), codeSig, cmdsEnd: 32 + m.sizeofcmds, firstSection };
}

function setLinkedit(buf, m, filesize) {
  buf.writeBigUInt64LE(BigInt(align(filesize, vmPage(m.cputype))), m.linkedit.at + 32); // vmsize
  buf.writeBigUInt64LE(BigInt(filesize), m.linkedit.at + 48);
}

/**
 * `buf` without its code signature (as `codesign --remove-signature`): the LC_CODE_SIGNATURE command
 * is taken out of the load commands and the signature bytes off the end of __LINKEDIT and the file.
 * A copy; an unsigned file is returned as a copy unchanged.
 */
export function unsign(buf) {
  const m = parse(buf);
  if (!m.codeSig) return Buffer.from(buf);
  const { at, dataoff, datasize } = m.codeSig;
  const linkeditEnd = m.linkedit.fileoff + m.linkedit.filesize;
  if (dataoff + datasize !== linkeditEnd || linkeditEnd !== buf.length) {
    throw new Error('the code signature is not at the end of __LINKEDIT and of the file: not removed');
  }
  const out = Buffer.from(buf.subarray(0, dataoff));
  out.copy(out, at, at + 16, m.cmdsEnd); // the following load commands move up over it
  out.fill(0, m.cmdsEnd - 16, m.cmdsEnd);
  out.writeUInt32LE(m.ncmds - 1, 16);
  out.writeUInt32LE(m.sizeofcmds - 16, 20);
  setLinkedit(out, parse(out), dataoff - m.linkedit.fileoff); // parsed again: the commands moved
  return out;
}

const be32 = (...values) => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v, 4 * i));
  return b;
};
const sha256 = (data) => createHash('sha256').update(data).digest();

/**
 * `buf` (a thin Mach-O 64) with a fresh ad-hoc signature; any old signature is removed first, so
 * signing twice gives the same bytes. A copy.
 * @param {Buffer} buf
 * @param {{identifier: string}} o  the CodeDirectory's identifier (what `codesign -dv` shows)
 */
export function adhocSign(buf, { identifier }) {
  const plain = unsign(buf);
  const m = parse(plain);
  if (m.cmdsEnd + 16 > m.firstSection || plain.subarray(m.cmdsEnd, m.cmdsEnd + 16).some((b) => b !== 0)) {
    throw new Error('no room for LC_CODE_SIGNATURE after the load commands');
  }
  if (m.linkedit.fileoff + m.linkedit.filesize !== plain.length) {
    throw new Error('__LINKEDIT does not end the file: the signature would not follow it');
  }
  const codeLimit = align(plain.length, 16); // codesign.go / ld64: the signature starts 16-byte aligned
  const nCodeSlots = Math.ceil(codeLimit / PAGE_SIZE);
  const nSpecialSlots = CSSLOT_REQUIREMENTS; // slots -1 (Info.plist, none: zeros) and -2 (Requirements)
  const ident = Buffer.from(`${identifier}\0`, 'utf8');
  const hashOffset = CODE_DIRECTORY_SIZE + ident.length + nSpecialSlots * CS_SHA256_LEN;
  const cdLength = hashOffset + nCodeSlots * CS_SHA256_LEN;
  const requirements = be32(CSMAGIC_REQUIREMENTS, 12, 0); // a Requirements vector of 0 entries
  const indexSize = 12 + 2 * 8;
  const sigSize = indexSize + cdLength + requirements.length;

  const out = Buffer.alloc(codeLimit + sigSize);
  plain.copy(out);
  be32(LC_CODE_SIGNATURE, 16, codeLimit, sigSize).swap32().copy(out, m.cmdsEnd); // little-endian, as the header
  out.writeUInt32LE(m.ncmds + 1, 16);
  out.writeUInt32LE(m.sizeofcmds + 16, 20);
  setLinkedit(out, m, codeLimit + sigSize - m.linkedit.fileoff);

  const text = m.text ?? { fileoff: 0, filesize: 0 };
  const cd = Buffer.alloc(cdLength);
  be32(CSMAGIC_CODEDIRECTORY, cdLength, CS_SUPPORTSEXECSEG, CS_ADHOC, hashOffset, CODE_DIRECTORY_SIZE, nSpecialSlots, nCodeSlots, codeLimit).copy(cd);
  cd.writeUInt8(CS_SHA256_LEN, 36);
  cd.writeUInt8(CS_HASHTYPE_SHA256, 37);
  cd.writeUInt8(PAGE_SIZE_BITS, 39); // spare2, scatterOffset, teamOffset, spare3, codeLimit64 stay 0
  cd.writeBigUInt64BE(BigInt(text.fileoff), 64); // execSegBase
  cd.writeBigUInt64BE(BigInt(text.filesize), 72); // execSegLimit
  cd.writeBigUInt64BE(BigInt(m.filetype === MH_EXECUTE ? CS_EXECSEG_MAIN_BINARY : 0), 80);
  ident.copy(cd, CODE_DIRECTORY_SIZE);
  // Special slot -n sits n hashes before hashOffset: -2 (Requirements) first, then -1 (empty).
  sha256(requirements).copy(cd, hashOffset - CSSLOT_REQUIREMENTS * CS_SHA256_LEN);
  for (let i = 0; i < nCodeSlots; i++) {
    sha256(out.subarray(i * PAGE_SIZE, Math.min((i + 1) * PAGE_SIZE, codeLimit))).copy(cd, hashOffset + i * CS_SHA256_LEN);
  }
  const superBlob = be32(CSMAGIC_EMBEDDED_SIGNATURE, sigSize, 2, CSSLOT_CODEDIRECTORY, indexSize, CSSLOT_REQUIREMENTS, indexSize + cdLength);
  Buffer.concat([superBlob, cd, requirements]).copy(out, codeLimit);
  return out;
}
