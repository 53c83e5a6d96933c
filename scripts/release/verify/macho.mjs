// Checks a thin 64-bit Mach-O executable and its embedded code signature the way the macOS kernel
// will page it in: every code page hash of every CodeDirectory, the special slots, and where the
// signature sits in the file. Written from the formats' public definitions, sharing no code with
// the signer (scripts/release/macho-sign.mjs):
//   - Mach-O header and load commands: apple/darwin-xnu EXTERNAL_HEADERS/mach-o/loader.h
//     (mach_header_64, MH_MAGIC_64, LC_SEGMENT_64, segment_command_64) and golang/go
//     src/debug/macho/macho.go (MagicFat, cpuArch64, Cpu386, CpuArm);
//   - the signature: apple-oss-distributions/xnu osfmk/kern/cs_blobs.h (CS_SuperBlob, CS_BlobIndex,
//     CS_CodeDirectory, CSMAGIC_*, CSSLOT_*, CS_HASHTYPE_*, CS_ADHOC) and golang/go
//     src/cmd/internal/codesign/codesign.go (LC_CODE_SIGNATURE = 0x1d; "The signature data must be
//     included in the __LINKEDIT segment"; codeLimit = the file size without the signature).
// Mach-O headers are little-endian on x86_64/arm64; code signature blobs are big-endian.
import { createHash } from 'node:crypto';
import { checkFuse } from './sea-fuse.mjs';
import { finish, hex, newResult } from './result.mjs';

// loader.h; MagicFat from debug/macho (a universal binary wraps thin ones, big-endian).
export const MH_MAGIC_64 = 0xfeedfacf;
export const FAT_MAGIC = 0xcafebabe;
export const LC_SEGMENT_64 = 0x19;
export const LC_CODE_SIGNATURE = 0x1d;
// debug/macho: CpuAmd64 = Cpu386 | cpuArch64; arm64 is CpuArm (12) | cpuArch64.
export const CPU_TYPE_X86_64 = 0x01000007;
export const CPU_TYPE_ARM64 = 0x0100000c;

// cs_blobs.h
export const CSMAGIC_REQUIREMENTS = 0xfade0c01;
export const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
export const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
export const CSMAGIC_BLOBWRAPPER = 0xfade0b01;
export const CSSLOT_CODEDIRECTORY = 0;
export const CSSLOT_REQUIREMENTS = 2;
export const CSSLOT_ALTERNATE_CODEDIRECTORIES = 0x1000;
export const CSSLOT_SIGNATURESLOT = 0x10000;
export const CS_ADHOC = 0x2;
export const CS_LINKER_SIGNED = 0x20000;
const CS_SUPPORTSSCATTER = 0x20100;
const CS_SUPPORTSCODELIMIT64 = 0x20300;
const CS_SUPPORTSEXECSEG = 0x20400;

/** cs_blobs.h CS_HASHTYPE_*: node:crypto algorithm and the stored length. */
const HASH_TYPES = {
  1: { name: 'sha1', algorithm: 'sha1', size: 20 },
  2: { name: 'sha256', algorithm: 'sha256', size: 32 },
  3: { name: 'sha256-truncated', algorithm: 'sha256', size: 20 },
  4: { name: 'sha384', algorithm: 'sha384', size: 48 },
};

/** What each special slot (hash at hashOffset - slot * hashSize) covers, named as in cs_blobs.h. */
const SPECIAL_SLOTS = {
  1: 'info.plist (CSSLOT_INFOSLOT)',
  2: 'requirements (CSSLOT_REQUIREMENTS)',
  3: 'resources (CSSLOT_RESOURCEDIR)',
  4: 'application (CSSLOT_APPLICATION)',
  5: 'entitlements (CSSLOT_ENTITLEMENTS)',
  7: 'DER entitlements (CSSLOT_DER_ENTITLEMENTS)',
};

/** Listed mismatching pages beyond this are only counted, so a wholesale change stays readable. */
const PAGES_LISTED = 5;

/**
 * @typedef {object} Segment  a segment_command_64
 * @property {string} name
 * @property {bigint} vmaddr
 * @property {number} fileoff
 * @property {number} filesize
 * @property {{ sectname: string, offset: number, size: number }[]} sections
 */

/**
 * @typedef {object} MachO  what the load commands say
 * @property {number} cputype
 * @property {number} filetype
 * @property {number} ncmds
 * @property {Segment[]} segments
 * @property {{ dataoff: number, datasize: number } | undefined} codeSignature  LC_CODE_SIGNATURE
 */

/**
 * Reads the header and load commands of a thin Mach-O 64; throws on anything else (fat, 32-bit,
 * truncated), with a message meant for a problem list.
 * @param {Buffer} buf
 * @returns {MachO}
 */
export function parseMachO(buf) {
  if (buf.length < 32) throw new Error(`not a Mach-O: ${buf.length} bytes`);
  if (buf.readUInt32BE(0) === FAT_MAGIC) throw new Error('fat (universal) Mach-O: the release ships thin binaries; not checked');
  const magic = buf.readUInt32LE(0);
  if (magic !== MH_MAGIC_64) throw new Error(`not a 64-bit Mach-O (magic ${hex(magic)})`);
  const cputype = buf.readUInt32LE(4);
  const filetype = buf.readUInt32LE(12);
  const ncmds = buf.readUInt32LE(16);
  const sizeofcmds = buf.readUInt32LE(20);
  if (32 + sizeofcmds > buf.length) throw new Error(`truncated Mach-O: load commands end at ${32 + sizeofcmds}, file has ${buf.length} bytes`);
  /** @type {Segment[]} */
  const segments = [];
  let codeSignature;
  let at = 32;
  for (let i = 0; i < ncmds; i++) {
    if (at + 8 > 32 + sizeofcmds) throw new Error(`load command ${i} runs past sizeofcmds`);
    const cmd = buf.readUInt32LE(at);
    const cmdsize = buf.readUInt32LE(at + 4);
    if (cmdsize < 8 || at + cmdsize > 32 + sizeofcmds) throw new Error(`load command ${i} (${hex(cmd)}) has a bad cmdsize ${cmdsize}`);
    if (cmd === LC_SEGMENT_64) {
      const nsects = buf.readUInt32LE(at + 64);
      const sections = [];
      for (let s = 0; s < nsects; s++) {
        const o = at + 72 + s * 80; // section_64 is 80 bytes, after the 72-byte segment_command_64
        sections.push({ sectname: cstring(buf, o, 16), offset: buf.readUInt32LE(o + 48), size: Number(buf.readBigUInt64LE(o + 40)) });
      }
      segments.push({
        name: cstring(buf, at + 8, 16),
        vmaddr: buf.readBigUInt64LE(at + 24),
        fileoff: Number(buf.readBigUInt64LE(at + 40)),
        filesize: Number(buf.readBigUInt64LE(at + 48)),
        sections,
      });
    } else if (cmd === LC_CODE_SIGNATURE) {
      codeSignature = { dataoff: buf.readUInt32LE(at + 8), datasize: buf.readUInt32LE(at + 12) };
    }
    at += cmdsize;
  }
  return { cputype, filetype, ncmds, segments, codeSignature };
}

function cstring(/** @type {Buffer} */ buf, /** @type {number} */ at, /** @type {number} */ max) {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 || end > at + max ? at + max : end);
}

/**
 * @typedef {object} MachOOptions
 * @property {boolean} [allowUnsignedX64]  an x86_64 file may carry no signature at all (Intel Macs
 *   run unsigned code; arm64 never may: Apple silicon kills unsigned arm64 code)
 * @property {boolean} [requireSea]  a NODE_SEA segment and a flipped fuse must be there (our
 *   release executables; not a stock `node`)
 */

/**
 * Verifies a Mach-O executable. Facts: cputype, segments, and per CodeDirectory its identifier,
 * flags, adhoc, hash type, page size and count, plus whether a CMS signature is present.
 * @param {Buffer} buf
 * @param {MachOOptions} [options]
 * @returns {import('./result.mjs').CheckResult}
 */
export function verifyMachO(buf, options = {}) {
  const r = newResult();
  let m;
  try {
    m = parseMachO(buf);
  } catch (e) {
    r.problems.push(/** @type {Error} */ (e).message);
    return finish(r);
  }
  r.facts.cputype = hex(m.cputype);
  r.facts.arch = m.cputype === CPU_TYPE_ARM64 ? 'arm64' : m.cputype === CPU_TYPE_X86_64 ? 'x86_64' : hex(m.cputype);
  r.facts.segments = m.segments.map((s) => s.name);
  if (options.requireSea) {
    // postject --macho-segment-name NODE_SEA: Node finds its blob in that segment.
    const sea = m.segments.find((s) => s.name === 'NODE_SEA');
    if (!sea) r.problems.push('no NODE_SEA segment: the SEA blob was not injected');
    else r.facts.seaSegment = { fileoff: sea.fileoff, filesize: sea.filesize };
    checkFuse(buf, r.problems);
  }
  if (!m.codeSignature) {
    r.facts.signed = false;
    if (m.cputype === CPU_TYPE_ARM64) r.problems.push('arm64 executable without LC_CODE_SIGNATURE: Apple silicon kills unsigned arm64 code');
    else if (!options.allowUnsignedX64) r.problems.push('no LC_CODE_SIGNATURE: the executable is unsigned');
    return finish(r);
  }
  r.facts.signed = true;
  try {
    checkSignature(buf, m, r);
  } catch (e) {
    // A field pointing outside its blob: a malformed signature is a finding, not a crash.
    r.problems.push(`the code signature cannot be read: ${/** @type {Error} */ (e).message}`);
  }
  return finish(r);
}

/**
 * Where the signature lies, then each blob the SuperBlob indexes.
 * @param {Buffer} buf
 * @param {MachO} m
 * @param {import('./result.mjs').CheckResult} r
 */
function checkSignature(buf, m, r) {
  const { dataoff, datasize } = /** @type {NonNullable<MachO['codeSignature']>} */ (m.codeSignature);
  r.facts.signature = { dataoff, datasize };
  const p = r.problems;
  if (dataoff + datasize > buf.length) {
    p.push(`LC_CODE_SIGNATURE [${hex(dataoff)}, +${datasize}) runs past the end of the file (${buf.length} bytes)`);
    return;
  }
  // The kernel maps the signature as part of __LINKEDIT, which must be the last segment in the
  // file and end at the file's end (codesign.go: "must be included in the __LINKEDIT segment").
  const linkedit = m.segments.find((s) => s.name === '__LINKEDIT');
  if (!linkedit) p.push('no __LINKEDIT segment');
  else {
    const last = m.segments.filter((s) => s.filesize > 0).reduce((a, b) => (b.fileoff > a.fileoff ? b : a), linkedit);
    if (last !== linkedit) p.push(`__LINKEDIT is not the last segment in the file (${last.name} at ${hex(last.fileoff)} follows it)`);
    if (linkedit.fileoff + linkedit.filesize !== buf.length) {
      p.push(`__LINKEDIT ends at ${hex(linkedit.fileoff + linkedit.filesize)}, not at the end of the file (${hex(buf.length)})`);
    }
    if (dataoff < linkedit.fileoff || dataoff + datasize > linkedit.fileoff + linkedit.filesize) {
      p.push(`the signature [${hex(dataoff)}, ${hex(dataoff + datasize)}) is not inside __LINKEDIT [${hex(linkedit.fileoff)}, ${hex(linkedit.fileoff + linkedit.filesize)})`);
    }
  }
  const sb = buf.subarray(dataoff, dataoff + datasize);
  if (sb.length < 12 || sb.readUInt32BE(0) !== CSMAGIC_EMBEDDED_SIGNATURE) {
    p.push(`no embedded-signature SuperBlob (magic ${sb.length >= 4 ? hex(sb.readUInt32BE(0)) : 'missing'}) at ${hex(dataoff)}`);
    return;
  }
  const length = sb.readUInt32BE(4);
  const count = sb.readUInt32BE(8);
  if (length > datasize || 12 + count * 8 > length) {
    p.push(`SuperBlob length ${length} / count ${count} do not fit the ${datasize} bytes of LC_CODE_SIGNATURE`);
    return;
  }
  /** @type {Map<number, Buffer>} slot → whole blob (magic and length included) */
  const blobs = new Map();
  for (let i = 0; i < count; i++) {
    const type = sb.readUInt32BE(12 + i * 8);
    const offset = sb.readUInt32BE(16 + i * 8);
    if (offset + 8 > length) {
      p.push(`blob ${hex(type)} at SuperBlob offset ${offset} runs past the SuperBlob`);
      continue;
    }
    const blobLength = sb.readUInt32BE(offset + 4);
    if (blobLength < 8 || offset + blobLength > length) {
      p.push(`blob ${hex(type)} has length ${blobLength}, past the SuperBlob`);
      continue;
    }
    blobs.set(type, sb.subarray(offset, offset + blobLength));
  }
  const cms = blobs.get(CSSLOT_SIGNATURESLOT);
  // An ad-hoc signature may carry an empty BlobWrapper (codesign.go writes one of 8 bytes).
  r.facts.cms = cms !== undefined && cms.readUInt32BE(0) === CSMAGIC_BLOBWRAPPER && cms.length > 8 ? { bytes: cms.length - 8 } : false;
  const cdSlots = [...blobs.keys()].filter((t) => t === CSSLOT_CODEDIRECTORY || (t >= CSSLOT_ALTERNATE_CODEDIRECTORIES && t < CSSLOT_ALTERNATE_CODEDIRECTORIES + 5));
  if (!cdSlots.includes(CSSLOT_CODEDIRECTORY)) p.push('the SuperBlob has no CodeDirectory (slot 0)');
  const cds = [];
  for (const slot of cdSlots) cds.push(checkCodeDirectory(buf, /** @type {Buffer} */ (blobs.get(slot)), slot, blobs, dataoff, m, p));
  r.facts.codeDirectories = cds;
  const main = cds.find((c) => c.slot === CSSLOT_CODEDIRECTORY);
  if (main) Object.assign(r.facts, { identifier: main.identifier, adhoc: main.adhoc, flags: main.flags, hashType: main.hashType, pages: main.pages });
}

/**
 * One CodeDirectory: header sanity, codeLimit, every code page, every special slot.
 * @param {Buffer} file
 * @param {Buffer} cd  the CodeDirectory blob
 * @param {number} slot
 * @param {Map<number, Buffer>} blobs
 * @param {number} dataoff  where the signature starts: the end of the signed range
 * @param {MachO} m
 * @param {string[]} p
 */
function checkCodeDirectory(file, cd, slot, blobs, dataoff, m, p) {
  const where = slot === 0 ? 'CodeDirectory' : `alternate CodeDirectory ${hex(slot)}`;
  const fact = { slot, identifier: '', flags: '', adhoc: false, hashType: '', pageSize: 0, pages: 0, badPages: 0, specialSlots: 0, version: '' };
  if (cd.readUInt32BE(0) !== CSMAGIC_CODEDIRECTORY || cd.length < 44) {
    p.push(`${where}: magic ${hex(cd.readUInt32BE(0))} is not CSMAGIC_CODEDIRECTORY`);
    return fact;
  }
  const version = cd.readUInt32BE(8);
  const flags = cd.readUInt32BE(12);
  const hashOffset = cd.readUInt32BE(16);
  const identOffset = cd.readUInt32BE(20);
  const nSpecialSlots = cd.readUInt32BE(24);
  const nCodeSlots = cd.readUInt32BE(28);
  let codeLimit = cd.readUInt32BE(32);
  const hashSize = cd[36];
  const hashTypeId = cd[37];
  const pageSizeLog2 = cd[39];
  // A scatter vector hashes only listed page runs; nothing we ship or check uses one.
  if (version >= CS_SUPPORTSSCATTER && cd.length >= 48 && cd.readUInt32BE(44) !== 0) p.push(`${where}: has a scatter vector, which this checker does not follow`);
  if (version >= CS_SUPPORTSCODELIMIT64 && cd.length >= 64) {
    const codeLimit64 = Number(cd.readBigUInt64BE(56));
    if (codeLimit64 !== 0) codeLimit = codeLimit64; // cs_blobs.h: codeLimit64 for files over 4 GiB
  }
  fact.identifier = cstring(cd, identOffset, cd.length - identOffset);
  fact.flags = hex(flags);
  fact.adhoc = (flags & CS_ADHOC) !== 0;
  fact.specialSlots = nSpecialSlots;
  fact.version = hex(version);
  const ht = HASH_TYPES[/** @type {1|2|3|4} */ (hashTypeId)];
  if (!ht) {
    p.push(`${where}: unknown hash type ${hashTypeId}`);
    return fact;
  }
  fact.hashType = ht.name;
  if (hashSize !== ht.size) p.push(`${where}: hashSize ${hashSize} is not ${ht.size} for ${ht.name}`);
  if (hashOffset - nSpecialSlots * hashSize < 44 || hashOffset + nCodeSlots * hashSize > cd.length) {
    p.push(`${where}: the hash slots [${hashOffset} - ${nSpecialSlots}, +${nCodeSlots}] x ${hashSize} do not fit its ${cd.length} bytes`);
    return fact;
  }
  // The signed range is everything before the signature (codesign.go: codeLimit = codeSize).
  if (codeLimit !== dataoff) p.push(`${where}: codeLimit ${hex(codeLimit)} is not the signature offset ${hex(dataoff)}`);
  const pageSize = pageSizeLog2 === 0 ? codeLimit : 2 ** pageSizeLog2; // 0 => one "infinite" page
  fact.pageSize = pageSize;
  fact.pages = nCodeSlots;
  const expectedSlots = pageSize === 0 ? 0 : Math.ceil(codeLimit / pageSize);
  if (nCodeSlots !== expectedSlots) p.push(`${where}: ${nCodeSlots} code slots, but codeLimit ${hex(codeLimit)} / page size ${pageSize} needs ${expectedSlots}`);
  if (version >= CS_SUPPORTSEXECSEG && cd.length >= 88) {
    const text = m.segments.find((s) => s.name === '__TEXT');
    Object.assign(fact, { execSegBase: Number(cd.readBigUInt64BE(64)), execSegLimit: Number(cd.readBigUInt64BE(72)), textFilesize: text?.filesize });
  }
  // Code pages: the hash of each page of the file must be the stored one.
  const bad = [];
  const pages = Math.min(nCodeSlots, expectedSlots);
  for (let i = 0; i < pages; i++) {
    const start = i * pageSize;
    const end = Math.min(start + pageSize, codeLimit, file.length);
    const got = digest(ht, file.subarray(start, end));
    const at = hashOffset + i * hashSize;
    if (!got.equals(cd.subarray(at, at + hashSize))) bad.push(i);
  }
  fact.badPages = bad.length;
  if (bad.length) {
    const listed = bad.slice(0, PAGES_LISTED).map((i) => `page ${i} [${hex(i * pageSize)}, ${hex(Math.min((i + 1) * pageSize, codeLimit))})`);
    p.push(`${where} (${ht.name}): ${bad.length} of ${pages} code page hashes differ: ${listed.join(', ')}${bad.length > PAGES_LISTED ? ', ...' : ''}`);
  }
  // Special slots: a blob the SuperBlob holds must hash to its slot; a slot with no blob (no
  // Info.plist or resources travel with a bare executable) must be all zero.
  for (let s = 1; s <= nSpecialSlots; s++) {
    const at = hashOffset - s * hashSize;
    const stored = cd.subarray(at, at + hashSize);
    const blob = blobs.get(s);
    const name = SPECIAL_SLOTS[/** @type {1|2|3|4|5|7} */ (s)] ?? `slot ${s}`;
    if (blob) {
      if (!digest(ht, blob).equals(stored)) p.push(`${where}: special slot -${s} ${name} does not match its blob`);
    } else if (s === 1 && stored.some((b) => b !== 0)) {
      // An embedded Info.plist lives in the __TEXT,__info_plist section (codesign hashes it there).
      const plist = m.segments.find((x) => x.name === '__TEXT')?.sections.find((x) => x.sectname === '__info_plist');
      if (!plist) p.push(`${where}: special slot -1 ${name} is set, but there is no __TEXT,__info_plist`);
      else if (!digest(ht, file.subarray(plist.offset, plist.offset + plist.size)).equals(stored)) p.push(`${where}: special slot -1 ${name} does not match __TEXT,__info_plist`);
    } else if (stored.some((b) => b !== 0)) {
      p.push(`${where}: special slot -${s} ${name} is set, but the signature holds no such blob`);
    }
  }
  return fact;
}

/** The CodeDirectory's hash of `data`, cut to the stored size (CS_HASHTYPE_SHA256_TRUNCATED). */
function digest(/** @type {{algorithm: string, size: number}} */ ht, /** @type {Buffer} */ data) {
  return createHash(ht.algorithm).update(data).digest().subarray(0, ht.size);
}
