/**
 * Output formats of coreutils 9.1 (Debian 12 images) and BusyBox 1.36 (busybox/alpine images) for
 * `ls -l` and `stat`, computed from the virtual file system's inodes.
 */
import { VirtualFS, type Inode, type Nanos } from './filesystem';

export type Flavour = 'gnu' | 'busybox';

const USERS: Record<number, string> = { 0: 'root', 65532: 'nonroot', 65534: 'nobody', 1000: '1000' };
export const userName = (uid: number) => USERS[uid] ?? String(uid);
export const groupName = (gid: number) => USERS[gid] ?? String(gid);

export function modeString(node: Inode): string {
  const t = node.kind === 'dir' ? 'd' : node.kind === 'symlink' ? 'l' : '-';
  const m = node.mode;
  const rwx = (shift: number, special: boolean, specialChar: string) => {
    const r = m & (4 << shift) ? 'r' : '-';
    const w = m & (2 << shift) ? 'w' : '-';
    const x = m & (1 << shift);
    const xc = special ? (x ? specialChar : specialChar.toUpperCase()) : x ? 'x' : '-';
    return r + w + xc;
  };
  return t + rwx(6, !!(m & 0o4000), 's') + rwx(3, !!(m & 0o2000), 's') + rwx(0, !!(m & 0o1000), 't');
}

export function fileType(node: Inode): string {
  if (node.kind === 'dir') return 'directory';
  if (node.kind === 'symlink') return 'symbolic link';
  return node.content!.length === 0 ? 'regular empty file' : 'regular file';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** `2026-11-28 16:00:00.123456789 +0000` (containers run in UTC). */
export function statTime(t: Nanos): string {
  const ms = Number(t / 1_000_000n);
  const d = new Date(ms);
  const frac = String(t % 1_000_000_000n).padStart(9, '0');
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${frac} +0000`;
}

/** `date`'s default output: `Sat Nov 28 16:00:00 UTC 2026`. */
export function dateString(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** ls -l time column: `Nov 28 16:00` within six months, else `Nov 28  2025`. */
function lsTime(t: Nanos, now: Date): string {
  const d = new Date(Number(t / 1_000_000n));
  const sixMonths = (365.2425 / 2) * 24 * 3600 * 1000;
  const recent = now.getTime() - d.getTime() < sixMonths && d.getTime() <= now.getTime() + 1000;
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return recent ? `${MONTHS[d.getUTCMonth()]} ${day} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}` : `${MONTHS[d.getUTCMonth()]} ${day}  ${d.getUTCFullYear()}`;
}

export interface LsEntry {
  name: string;
  node: Inode;
}

/** Long listing lines (without the `total` line). */
export function lsLong(entries: LsEntry[], flavour: Flavour, now: Date): string[] {
  const rows = entries.map(({ name, node }) => ({
    mode: modeString(node),
    links: String(VirtualFS.links(node)),
    user: userName(node.uid),
    group: groupName(node.gid),
    size: String(VirtualFS.size(node)),
    time: lsTime(node.mtime, now),
    name: node.kind === 'symlink' ? `${name} -> ${node.target}` : name,
  }));
  if (flavour === 'busybox') {
    return rows.map((r) => `${r.mode} ${r.links.padStart(4)} ${r.user.padEnd(8)} ${r.group.padEnd(8)} ${r.size.padStart(9)} ${r.time} ${r.name}`);
  }
  const w = (k: 'links' | 'user' | 'group' | 'size') => Math.max(...rows.map((r) => r[k].length));
  const [wl, wu, wg, ws] = [w('links'), w('user'), w('group'), w('size')];
  return rows.map((r) => `${r.mode} ${r.links.padStart(wl)} ${r.user.padEnd(wu)} ${r.group.padEnd(wg)} ${r.size.padStart(ws)} ${r.time} ${r.name}`);
}

export function lsTotal(entries: LsEntry[]): number {
  return entries.reduce((sum, { node }) => sum + Math.ceil(VirtualFS.blocks(node) / 2), 0);
}

function dev(node: Inode, flavour: Flavour): string {
  const { major, minor } = node.dev;
  if (flavour === 'gnu') return `${major},${minor}`;
  const n = (major << 8) | minor;
  return `${n.toString(16)}h/${n}d`;
}

/** stat's default output for `name` (lstat unless -L). */
export function statDefault(name: string, node: Inode, flavour: Flavour): string {
  const size = VirtualFS.size(node);
  const blocks = VirtualFS.blocks(node);
  const octal = (node.mode & 0o7777).toString(8).padStart(4, '0');
  const uid = `${String(node.uid).padStart(5)}/${userName(node.uid).padStart(8)}`;
  const gid = `${String(node.gid).padStart(5)}/${groupName(node.gid).padStart(8)}`;
  if (flavour === 'busybox') {
    const file = node.kind === 'symlink' ? `'${name}' -> '${node.target}'` : `'${name}'`;
    return [
      `  File: ${file}`,
      `  Size: ${String(size).padEnd(10)}\tBlocks: ${String(blocks).padEnd(10)} IO Block: ${'4096'.padEnd(6)} ${fileType(node)}`,
      `Device: ${dev(node, flavour)}\tInode: ${String(node.ino).padEnd(10)}  Links: ${String(VirtualFS.links(node)).padEnd(5)}`,
      `Access: (${octal}/${modeString(node)})  Uid: (${uid})   Gid: (${gid})`,
      `Access: ${statTime(node.atime)}`,
      `Modify: ${statTime(node.mtime)}`,
      `Change: ${statTime(node.ctime)}`,
      '',
    ].join('\n');
  }
  const file = node.kind === 'symlink' ? `${name} -> ${node.target}` : name;
  return [
    `  File: ${file}`,
    `  Size: ${String(size).padEnd(10)}\tBlocks: ${String(blocks).padEnd(10)} IO Block: ${'4096'.padEnd(6)} ${fileType(node)}`,
    `Device: ${dev(node, flavour)}\tInode: ${String(node.ino).padEnd(11)} Links: ${VirtualFS.links(node)}`,
    `Access: (${octal}/${modeString(node)})  Uid: (${uid})   Gid: (${gid})`,
    `Access: ${statTime(node.atime)}`,
    `Modify: ${statTime(node.mtime)}`,
    `Change: ${statTime(node.ctime)}`,
    ' Birth: -',
    '',
  ].join('\n');
}

/** stat -c FORMAT (the common directives). */
export function statFormat(format: string, name: string, node: Inode, flavour: Flavour): string {
  const secs = (t: Nanos) => String(t / 1_000_000_000n);
  return format.replace(/%([%nNsaAUGugxyzXYZiFhbBoWw])/g, (_m, c: string) => {
    switch (c) {
      case '%': return '%';
      case 'n': return name;
      case 'N': return node.kind === 'symlink' ? (flavour === 'gnu' ? `${name} -> ${node.target}` : `'${name}' -> '${node.target}'`) : flavour === 'gnu' ? name : `'${name}'`;
      case 's': return String(VirtualFS.size(node));
      case 'a': return (node.mode & 0o7777).toString(8);
      case 'A': return modeString(node);
      case 'U': return userName(node.uid);
      case 'G': return groupName(node.gid);
      case 'u': return String(node.uid);
      case 'g': return String(node.gid);
      case 'x': return statTime(node.atime);
      case 'y': return statTime(node.mtime);
      case 'z': return statTime(node.ctime);
      case 'X': return secs(node.atime);
      case 'Y': return secs(node.mtime);
      case 'Z': return secs(node.ctime);
      case 'i': return String(node.ino);
      case 'F': return fileType(node);
      case 'h': return String(VirtualFS.links(node));
      case 'b': return String(VirtualFS.blocks(node));
      case 'B': return '512';
      case 'o': return '4096';
      case 'w': return '-';
      case 'W': return '0';
      default: return '';
    }
  });
}
