// Checks a PE32+ executable the way Windows and signtool read it: headers, section table, the
// attribute certificate table (data directory 4) and the optional header CheckSum, and that the
// Node SEA blob was injected. Written from Microsoft's PE format specification, MicrosoftDocs/win32
// desktop-src/Debug/pe-format.md ("COFF File Header", "Optional Header Windows-Specific Fields":
// CheckSum at offset 64, NumberOfRvaAndSizes at 108, data directories at 112 in PE32+; "Section
// Table"; "The Attribute Certificate Table (Image Only)"; "The .rsrc Section"), sharing no code
// with the PE signature remover (scripts/release/pe-*.mjs). All fields are little-endian.
import { checkFuse } from './sea-fuse.mjs';
import { finish, hex, newResult } from './result.mjs';

export const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
export const PE32_PLUS = 0x20b;
const IMAGE_DIRECTORY_ENTRY_RESOURCE = 2;
const IMAGE_DIRECTORY_ENTRY_SECURITY = 4; // "Certificate Table"
// pe-format.md, Attribute Certificate Table: wRevision WIN_CERT_REVISION_2_0.
export const WIN_CERT_REVISION_2_0 = 0x0200;
/** The resource name postject gives the blob (Node looks it up by this name). */
export const SEA_RESOURCE = 'NODE_SEA_BLOB';

/**
 * @typedef {object} Section  one 40-byte section table entry
 * @property {string} name
 * @property {number} virtualSize
 * @property {number} virtualAddress
 * @property {number} sizeOfRawData
 * @property {number} pointerToRawData
 */

/**
 * @typedef {object} PE
 * @property {number} machine
 * @property {number} optionalHeader   file offset of the optional header
 * @property {number} checksumOffset   file offset of the CheckSum field
 * @property {number} checksum
 * @property {{ virtualAddress: number, size: number }[]} dataDirectories
 * @property {Section[]} sections
 */

/**
 * Reads the DOS stub's e_lfanew, the COFF header, the PE32+ optional header and the section table;
 * throws (with a message meant for a problem list) on anything that is not a PE32+ image.
 * @param {Buffer} buf
 * @returns {PE}
 */
export function parsePE(buf) {
  if (buf.length < 64 || buf.toString('latin1', 0, 2) !== 'MZ') throw new Error('not a PE: no MZ header');
  const pe = buf.readUInt32LE(0x3c); // e_lfanew: "at offset 0x3c ... the file offset to the PE signature"
  if (pe + 24 > buf.length || buf.readUInt32LE(pe) !== 0x00004550) throw new Error(`not a PE: no PE\\0\\0 signature at ${hex(pe)}`);
  const coff = pe + 4;
  const machine = buf.readUInt16LE(coff);
  const numberOfSections = buf.readUInt16LE(coff + 2);
  const sizeOfOptionalHeader = buf.readUInt16LE(coff + 16);
  const opt = coff + 20;
  if (opt + sizeOfOptionalHeader > buf.length) throw new Error('truncated PE: the optional header runs past the end of the file');
  const magic = buf.readUInt16LE(opt);
  if (magic !== PE32_PLUS) throw new Error(`not PE32+ (optional header magic ${hex(magic)})`);
  const numberOfRvaAndSizes = buf.readUInt32LE(opt + 108);
  const dataDirectories = [];
  for (let i = 0; i < numberOfRvaAndSizes && 112 + i * 8 + 8 <= sizeOfOptionalHeader; i++) {
    dataDirectories.push({ virtualAddress: buf.readUInt32LE(opt + 112 + i * 8), size: buf.readUInt32LE(opt + 116 + i * 8) });
  }
  const table = opt + sizeOfOptionalHeader;
  if (table + numberOfSections * 40 > buf.length) throw new Error('truncated PE: the section table runs past the end of the file');
  /** @type {Section[]} */
  const sections = [];
  for (let i = 0; i < numberOfSections; i++) {
    const s = table + i * 40;
    const end = buf.indexOf(0, s);
    sections.push({
      name: buf.toString('latin1', s, end < 0 || end > s + 8 ? s + 8 : end),
      virtualSize: buf.readUInt32LE(s + 8),
      virtualAddress: buf.readUInt32LE(s + 12),
      sizeOfRawData: buf.readUInt32LE(s + 16),
      pointerToRawData: buf.readUInt32LE(s + 20),
    });
  }
  return { machine, optionalHeader: opt, checksumOffset: opt + 64, checksum: buf.readUInt32LE(opt + 64), dataDirectories, sections };
}

/**
 * The optional header CheckSum as imagehlp's CheckSumMappedFile computes it: the file summed as
 * 16-bit little-endian words with the carry folded back in, the CheckSum field itself skipped, then
 * the file length added. Same algorithm as 0xd4d/dnlib src/PE/PEExtensions.cs CalculatePECheckSum
 * (pe-format.md only says "The algorithm ... is incorporated into IMAGHELP.DLL"). An odd last byte
 * counts as a word with a zero high byte.
 * @param {Buffer} buf
 * @param {number} checksumOffset
 */
export function peChecksum(buf, checksumOffset) {
  let sum = 0;
  const even = buf.length & ~1;
  for (let i = 0; i < even; i += 2) {
    if (i === checksumOffset || i === checksumOffset + 2) continue;
    sum += buf[i] | (buf[i + 1] << 8);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (buf.length & 1) {
    sum += buf[buf.length - 1];
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ((sum & 0xffff) + buf.length) >>> 0;
}

/** RVA → file offset through the section that maps it. */
function rvaToOffset(/** @type {PE} */ pe, /** @type {number} */ rva) {
  for (const s of pe.sections) {
    if (rva >= s.virtualAddress && rva < s.virtualAddress + Math.max(s.virtualSize, s.sizeOfRawData)) return s.pointerToRawData + (rva - s.virtualAddress);
  }
  return undefined;
}

/**
 * The names of the resources under each top-level type, walking the three-level tree of "The
 * .rsrc Section" (type → name → language); only named second-level entries are returned.
 * @param {Buffer} buf
 * @param {PE} pe
 * @returns {{ type: number | string, name: string, size: number }[]}
 */
export function resourceNames(buf, pe) {
  const dir = pe.dataDirectories[IMAGE_DIRECTORY_ENTRY_RESOURCE];
  if (!dir || dir.virtualAddress === 0) return [];
  const base = rvaToOffset(pe, dir.virtualAddress);
  if (base === undefined) return [];
  /** Resource Directory Table (16 bytes) then Name entries then ID entries (8 bytes each). */
  const entries = (/** @type {number} */ at) => {
    const out = [];
    const n = buf.readUInt16LE(at + 12) + buf.readUInt16LE(at + 14);
    for (let i = 0; i < n; i++) {
      const e = at + 16 + i * 8;
      const nameField = buf.readUInt32LE(e);
      const target = buf.readUInt32LE(e + 4);
      let name;
      if (nameField & 0x80000000) {
        // Resource Directory String: 2-byte length (in characters) then UTF-16LE.
        const s = base + (nameField & 0x7fffffff);
        name = buf.toString('utf16le', s + 2, s + 2 + buf.readUInt16LE(s) * 2);
      } else name = nameField;
      out.push({ name, subdir: (target & 0x80000000) !== 0, offset: base + (target & 0x7fffffff) });
    }
    return out;
  };
  const found = [];
  for (const type of entries(base)) {
    if (!type.subdir) continue;
    for (const named of entries(type.offset)) {
      if (typeof named.name !== 'string') continue;
      let size = 0;
      const lang = named.subdir ? entries(named.offset)[0] : named;
      // Resource Data Entry: Data RVA, Size, Codepage, Reserved.
      if (lang && !lang.subdir) size = buf.readUInt32LE(lang.offset + 4);
      found.push({ type: type.name, name: named.name, size });
    }
  }
  return found;
}

/**
 * @typedef {object} PEOptions
 * @property {boolean} [requireSea]  the NODE_SEA_BLOB resource and a flipped fuse must be there
 */

/**
 * Verifies a PE32+ executable. Facts: machine, sections, the certificate table and its entries,
 * the stored and computed CheckSum, the SEA resource.
 * @param {Buffer} buf
 * @param {PEOptions} [options]
 * @returns {import('./result.mjs').CheckResult}
 */
export function verifyPE(buf, options = {}) {
  const r = newResult();
  const p = r.problems;
  let pe;
  try {
    pe = parsePE(buf);
  } catch (e) {
    p.push(/** @type {Error} */ (e).message);
    return finish(r);
  }
  r.facts.machine = hex(pe.machine);
  r.facts.sections = pe.sections.map((s) => s.name);
  let rawEnd = 0;
  for (const s of pe.sections) {
    if (s.sizeOfRawData === 0) continue;
    const end = s.pointerToRawData + s.sizeOfRawData;
    if (end > buf.length) p.push(`section ${s.name}: raw data [${hex(s.pointerToRawData)}, ${hex(end)}) runs past the end of the file (${hex(buf.length)})`);
    rawEnd = Math.max(rawEnd, end);
  }
  try {
    checkCertificateTable(buf, pe, rawEnd, r);
  } catch (e) {
    p.push(`the certificate table cannot be read: ${/** @type {Error} */ (e).message}`);
  }
  const computed = peChecksum(buf, pe.checksumOffset);
  r.facts.checksum = { stored: hex(pe.checksum), computed: hex(computed) };
  if (computed !== pe.checksum) p.push(`optional header CheckSum ${hex(pe.checksum)} is not the file's checksum ${hex(computed)}`);
  if (options.requireSea) {
    let names = [];
    try {
      names = resourceNames(buf, pe);
    } catch (e) {
      p.push(`the resource directory cannot be read: ${/** @type {Error} */ (e).message}`);
    }
    const sea = names.find((n) => n.name === SEA_RESOURCE);
    r.facts.seaResource = sea ? { type: sea.type, size: sea.size } : false;
    if (!sea) p.push(`no ${SEA_RESOURCE} resource: the SEA blob was not injected`);
    checkFuse(buf, p);
  }
  return finish(r);
}

/**
 * Data directory 4: either 0/0, or a chain of WIN_CERTIFICATE entries that starts at a FILE offset
 * (not an RVA: "the first field of this entry ... is a file pointer"), quadword aligned, after the
 * sections' raw data, each revision 2.0, their 8-byte-rounded lengths adding up to the directory's
 * Size, and ending at the end of the file (signtool appends it last; anything after it would be
 * data the signature does not cover).
 * @param {Buffer} buf
 * @param {PE} pe
 * @param {number} rawEnd  where the last section's raw data ends
 * @param {import('./result.mjs').CheckResult} r
 */
function checkCertificateTable(buf, pe, rawEnd, r) {
  /** @type {string[]} what is wrong with it, reported as one problem */
  const c = [];
  const dir = pe.dataDirectories[IMAGE_DIRECTORY_ENTRY_SECURITY];
  if (!dir || (dir.virtualAddress === 0 && dir.size === 0)) {
    r.facts.certificateTable = false;
    return;
  }
  const { virtualAddress: off, size } = dir;
  r.facts.certificateTable = { offset: hex(off), size };
  const where = `certificate table [${hex(off)}, +${size})`;
  if (off === 0 || size === 0) {
    r.problems.push(`${where}: one of offset/size is zero, the other not`);
    return;
  }
  if (off % 8 !== 0) c.push(`not 8-byte aligned`);
  if (off < rawEnd) c.push(`starts inside the sections' raw data (which ends at ${hex(rawEnd)})`);
  if (off + size > buf.length) {
    c.push(`runs past the end of the file (${hex(buf.length)}): a stale certificate directory`);
    r.problems.push(`${where}: ${c.join('; ')}`);
    return;
  }
  if (off + size !== buf.length) c.push(`does not end at the end of the file (${hex(buf.length)})`);
  const entries = [];
  let at = off;
  while (at < off + size) {
    if (at + 8 > off + size) {
      c.push(`a WIN_CERTIFICATE header at ${hex(at)} is cut`);
      break;
    }
    const dwLength = buf.readUInt32LE(at);
    const wRevision = buf.readUInt16LE(at + 4);
    const wCertificateType = buf.readUInt16LE(at + 6);
    entries.push({ offset: hex(at), length: dwLength, revision: hex(wRevision), type: wCertificateType });
    if (wRevision !== WIN_CERT_REVISION_2_0) c.push(`WIN_CERTIFICATE at ${hex(at)} has revision ${hex(wRevision)}, not 0x200: a stale certificate directory`);
    if (dwLength < 8 || at + dwLength > off + size) {
      c.push(`WIN_CERTIFICATE at ${hex(at)} has dwLength ${dwLength}, past the table`);
      break;
    }
    at += (dwLength + 7) & ~7; // "rounded up to an 8-byte multiple"
  }
  r.facts.certificates = entries;
  if (at !== off + size && c.length === 0) c.push(`the entries' rounded lengths add up to ${at - off}, not ${size}`);
  if (c.length) r.problems.push(`${where}: ${c.join('; ')}`);
}
