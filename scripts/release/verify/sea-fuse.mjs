// Node's single-executable fuse: a sentinel string compiled into every Node binary, whose last
// character postject flips from 0 to 1 when it injects the blob (`--sentinel-fuse`). Node checks it
// at start-up to decide whether to look for the NODE_SEA_BLOB at all, so an executable whose fuse
// still reads :0 starts as a plain `node`. nodejs/node doc/api/single-executable-applications.md,
// "Single executable application creation process": the blob goes into a resource (PE), a section
// of its own segment (Mach-O) or a note (ELF), and the tool must "Search the binary for the ... :0
// fuse string and flip the last character to 1" (the stored copy of that page still names the
// older NODE_JS_* resource and fuse; current Node, and scripts/release/sea.mjs, use NODE_SEA_*).

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
