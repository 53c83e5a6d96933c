/**
 * A minimal DER (ASN.1) encoder: just the types an X.509 certificate needs. We build certificates
 * ourselves because no certificate library is installed and `openssl` is not guaranteed.
 */

/** One encoded TLV (tag, length, value). */
export type Der = Buffer;

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, value: Buffer): Der {
  return Buffer.concat([Buffer.from([tag]), length(value.length), value]);
}

export const sequence = (...items: Der[]): Der => tlv(0x30, Buffer.concat(items));
export const set = (...items: Der[]): Der => tlv(0x31, Buffer.concat(items));
export const octetString = (b: Buffer): Der => tlv(0x04, b);
export const utf8 = (s: string): Der => tlv(0x0c, Buffer.from(s, 'utf8'));
export const boolean = (v: boolean): Der => tlv(0x01, Buffer.from([v ? 0xff : 0]));
/** A BIT STRING with no unused bits. */
export const bitString = (b: Buffer): Der => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
/** Context-specific constructed tag [n] EXPLICIT. */
export const explicit = (n: number, inner: Der): Der => tlv(0xa0 | n, inner);
/** Context-specific primitive tag [n] IMPLICIT (e.g. SAN entries). */
export const implicit = (n: number, value: Buffer): Der => tlv(0x80 | n, value);

/** A non-negative INTEGER from big-endian bytes (a leading 0 keeps it positive). */
export function integer(bytes: Buffer | number): Der {
  let b = typeof bytes === 'number' ? Buffer.from([bytes]) : bytes;
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && (b[i + 1] & 0x80) === 0) i++;
  b = b.subarray(i);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

export function oid(dotted: string): Der {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    let v = Math.floor(p / 128);
    while (v > 0) {
      chunk.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime (years before 2050) or GeneralizedTime, as RFC 5280 requires. */
export function time(d: Date): Der {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}
