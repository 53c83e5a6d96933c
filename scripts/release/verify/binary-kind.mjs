// Which executable format and CPU a file is, from its first bytes: the check that an archive for
// os/arch really holds an executable for that os/arch (darwin/arm64 served an x86_64 file, say).
//   ELF: e_ident "\x7fELF", EI_CLASS 2 (64-bit), e_machine at offset 18; EM_X86_64 = 62 and
//        EM_AARCH64 = 183 as in golang/go src/debug/elf/elf.go.
//   Mach-O: macho.mjs (MH_MAGIC_64, cputype at offset 4).
//   PE: pe.mjs (Machine in the COFF header, IMAGE_FILE_MACHINE_AMD64 = 0x8664).
import { CPU_TYPE_ARM64, CPU_TYPE_X86_64, FAT_MAGIC, MH_MAGIC_64 } from './macho.mjs';
import { IMAGE_FILE_MACHINE_AMD64 } from './pe.mjs';

const EM_X86_64 = 62;
const EM_AARCH64 = 183;

/** @typedef {{ format: 'elf' | 'macho' | 'pe' | 'unknown', arch: string }} BinaryKind */

/**
 * @param {Buffer} buf
 * @returns {BinaryKind}
 */
export function binaryKind(buf) {
  if (buf.length >= 20 && buf.toString('latin1', 0, 4) === '\x7fELF') {
    if (buf[4] !== 2) return { format: 'elf', arch: '32-bit' };
    const m = buf.readUInt16LE(18);
    return { format: 'elf', arch: m === EM_X86_64 ? 'amd64' : m === EM_AARCH64 ? 'arm64' : `e_machine ${m}` };
  }
  if (buf.length >= 8 && buf.readUInt32BE(0) === FAT_MAGIC) return { format: 'macho', arch: 'fat' };
  if (buf.length >= 8 && buf.readUInt32LE(0) === MH_MAGIC_64) {
    const c = buf.readUInt32LE(4);
    return { format: 'macho', arch: c === CPU_TYPE_X86_64 ? 'amd64' : c === CPU_TYPE_ARM64 ? 'arm64' : `cputype 0x${c.toString(16)}` };
  }
  if (buf.length >= 64 && buf.toString('latin1', 0, 2) === 'MZ') {
    const pe = buf.readUInt32LE(0x3c);
    if (pe + 6 <= buf.length && buf.readUInt32LE(pe) === 0x00004550) {
      const m = buf.readUInt16LE(pe + 4);
      return { format: 'pe', arch: m === IMAGE_FILE_MACHINE_AMD64 ? 'amd64' : `machine 0x${m.toString(16)}` };
    }
  }
  return { format: 'unknown', arch: 'unknown' };
}

/** The format each krew os needs. */
export const FORMAT_OF_OS = /** @type {Record<string, BinaryKind['format']>} */ ({ linux: 'elf', darwin: 'macho', windows: 'pe' });
