// Node's single-executable fuse: a sentinel string compiled into every Node binary, whose last
// character postject flips from 0 to 1 when it injects the blob (`--sentinel-fuse`). Node checks it
// at start-up to decide whether to look for the NODE_SEA_BLOB at all, so an executable whose fuse
// still reads :0 starts as a plain `node`.

export const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Where the fuse is and whether it is flipped.
 * @param {Buffer} buf
 * @returns {{ offset: number, flipped: boolean } | undefined}
 */
export function findFuse(buf) {
  const at = buf.indexOf(`${FUSE}:`, 0, 'latin1');
  if (at < 0) return undefined;
  return { offset: at, flipped: buf[at + FUSE.length + 1] === 0x31 /* '1' */ };
}

/** Pushes a problem unless the fuse is present and flipped. */
export function checkFuse(/** @type {Buffer} */ buf, /** @type {string[]} */ problems) {
  const fuse = findFuse(buf);
  if (!fuse) problems.push(`no SEA fuse (${FUSE}) in the binary`);
  else if (!fuse.flipped) problems.push(`SEA fuse not flipped (${FUSE}:0 at ${'0x' + fuse.offset.toString(16)}): no blob was injected`);
  return fuse;
}
