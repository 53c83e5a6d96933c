// A small reader of the zip archives scripts/release/archive.mjs writes, independent of it: the
// end-of-central-directory record, each central directory header, each local header, stored or
// deflated data, CRC-32 checked. Signatures and lengths as in golang/go src/archive/zip/struct.go
// (fileHeaderSignature 0x04034b50, directoryHeaderSignature 0x02014b50, directoryEndSignature
// 0x06054b50; 30/46/22-byte headers); the Unix mode is the high 16 bits of the external attributes
// when the creator is Unix (CreatorVersion >> 8 == 3), as FileHeader.Mode reads it there.
import { crc32, inflateRawSync } from 'node:zlib';

/**
 * The file entries of a zip, in central directory order; throws on a broken archive.
 * @param {Buffer} buf
 * @returns {import('./tar.mjs').ArchiveEntry[]}
 */
export function readZip(buf) {
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('zip: no end of central directory record (truncated?)');
  const count = buf.readUInt16LE(end + 10);
  const dirSize = buf.readUInt32LE(end + 12);
  let at = buf.readUInt32LE(end + 16);
  if (at + dirSize > end) throw new Error('zip: the central directory runs past its end record');
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`zip: bad central directory header ${i}`);
    const madeBy = buf.readUInt16LE(at + 4);
    const method = buf.readUInt16LE(at + 10);
    const crc = buf.readUInt32LE(at + 16);
    const csize = buf.readUInt32LE(at + 20);
    const usize = buf.readUInt32LE(at + 24);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const external = buf.readUInt32LE(at + 38);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    at += 46 + nameLen + extraLen + commentLen;
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`zip: ${name}: no local header at ${local}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + csize > buf.length) throw new Error(`zip: ${name} is cut`);
    const packed = buf.subarray(start, start + csize);
    let data;
    if (method === 0) data = packed;
    else if (method === 8) data = inflateRawSync(packed);
    else throw new Error(`zip: ${name}: compression method ${method} is neither stored nor deflate`);
    if (data.length !== usize) throw new Error(`zip: ${name}: ${data.length} bytes, the directory says ${usize}`);
    if (crc32(data) >>> 0 !== crc) throw new Error(`zip: ${name}: CRC-32 mismatch`);
    // No Unix mode recorded (a zip made on Windows): mode 0, which the release check reports.
    const unix = madeBy >> 8 === 3;
    entries.push({ name, mode: unix ? (external >>> 16) & 0o7777 : 0, type: name.endsWith('/') ? '5' : '0', data });
  }
  return entries;
}
