// A small reader of the gzipped ustar archives scripts/release/archive.mjs writes, independent of
// it: header fields at their ustar offsets (golang/go src/archive/tar/format.go headerV7 /
// headerUSTAR: name 0..100, mode 100..108, size 124..136, chksum 148..156 summed with the field
// as spaces, typeflag 156, magic 257, prefix 345..500), 512-byte blocks, two zero blocks at the end.
import { gunzipSync } from 'node:zlib';

/** @typedef {{ name: string, mode: number, type: string, data: Buffer }} ArchiveEntry */

const octal = (/** @type {Buffer} */ b, /** @type {number} */ at, /** @type {number} */ len) => {
  const s = b.toString('latin1', at, at + len).replace(/[\0 ]+$/, '').trim();
  return s === '' ? 0 : parseInt(s, 8);
};
const text = (/** @type {Buffer} */ b, /** @type {number} */ at, /** @type {number} */ len) => {
  const end = b.indexOf(0, at);
  return b.toString('utf8', at, end < 0 || end > at + len ? at + len : end);
};

/**
 * The entries of a .tar.gz, in order; throws on a broken archive (bad gzip, bad header checksum,
 * an entry cut short, no end-of-archive blocks).
 * @param {Buffer} tgz
 * @returns {ArchiveEntry[]}
 */
export function readTarGz(tgz) {
  return readTar(gunzipSync(tgz));
}

/** @param {Buffer} tar */
export function readTar(tar) {
  /** @type {ArchiveEntry[]} */
  const entries = [];
  let at = 0;
  for (;;) {
    if (at + 512 > tar.length) throw new Error('tar: no end-of-archive blocks (truncated?)');
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) return entries;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (sum !== octal(h, 148, 8)) throw new Error(`tar: bad header checksum at ${at}`);
    const prefix = h.toString('latin1', 257, 262) === 'ustar' ? text(h, 345, 155) : '';
    const name = (prefix ? `${prefix}/` : '') + text(h, 0, 100);
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 0x30); // '\0' is an old regular file
    if (at + 512 + size > tar.length) throw new Error(`tar: ${name} is cut (${size} bytes declared)`);
    entries.push({ name, mode: octal(h, 100, 8), type, data: tar.subarray(at + 512, at + 512 + size) });
    at += 512 + Math.ceil(size / 512) * 512;
  }
}
