/**
 * A container's file system as `kubectl exec` sees it: directories, files and symlinks with
 * mode, uid/gid, inode, link count and nanosecond atime/mtime/ctime.
 *
 * Atime follows Linux `relatime` (the default mount option, tmpfs included): a read updates atime
 * only when atime <= mtime or atime is more than 24 h old — so `stat` shows a read since the last
 * rotation, not every read. A read through a read-only mount moves no atime at all (Linux
 * fs/inode.c touch_atime: the update needs write access to the mount, which a read-only one
 * refuses): a container's secret, configMap, downwardAPI and projected mounts are read-only
 * (k/k pkg/kubelet/kubelet_pods.go makeMounts: the volume's GetAttributes().ReadOnly), so a
 * container's reads of its token never show; the kubelet's own reads (host side) do.
 *
 * Projected volumes are laid out as the kubelet's AtomicWriter does (pkg/volume/util/atomic_writer.go):
 *   <mount>/..2026_11_28_16_00_00.<random>/{token,ca.crt,namespace}   the payload, one timestamped dir
 *   <mount>/..data -> ..2026_11_28_16_00_00.<random>                   swapped atomically on update
 *   <mount>/token -> ..data/token                                     user-visible links, never rewritten
 * The mount itself is a tmpfs (drwxrwxrwt, directory size 40 + 20 per entry).
 */

export type Kind = 'dir' | 'file' | 'symlink';

/** Nanoseconds since the epoch (bigint: Date has only ms). */
export type Nanos = bigint;

export interface Inode {
  kind: Kind;
  ino: number;
  mode: number; // permission bits incl. sticky
  uid: number;
  gid: number;
  atime: Nanos;
  mtime: Nanos;
  ctime: Nanos;
  birth: Nanos;
  /** file content */
  content?: Buffer;
  /** symlink target */
  target?: string;
  /** dir entries */
  children?: Map<string, Inode>;
  /** tmpfs dirs size 40 + 20/entry; other dirs 4096 */
  tmpfs?: boolean;
  /** Device numbers for stat. */
  dev: { major: number; minor: number };
}

export const NS_PER_MS = 1_000_000n;
export const nanosOf = (d: Date, extraNanos = 0): Nanos => BigInt(d.getTime()) * NS_PER_MS + BigInt(extraNanos);

export class FsError extends Error {
  constructor(
    readonly code: 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'ELOOP',
    readonly path: string,
  ) {
    super(code === 'ENOENT' ? 'No such file or directory' : code === 'ENOTDIR' ? 'Not a directory' : code === 'EISDIR' ? 'Is a directory' : 'Too many levels of symbolic links');
  }
}

const OVERLAY = { major: 0, minor: 46 };
const TMPFS = { major: 0, minor: 52 };

export class VirtualFS {
  private nextIno = 2;
  readonly root: Inode;
  /** Mount points (their root inodes) this file system sees read-only: reads below them leave atime alone. */
  readonly readOnlyMounts = new Set<Inode>();

  constructor(now: Nanos) {
    this.root = this.makeDir(0o755, now, OVERLAY);
  }

  private makeDir(mode: number, t: Nanos, dev = OVERLAY, tmpfs = false): Inode {
    return { kind: 'dir', ino: this.nextIno++, mode, uid: 0, gid: 0, atime: t, mtime: t, ctime: t, birth: t, children: new Map(), tmpfs, dev };
  }

  /** Resolve a path. `follow` controls the last component (lstat vs stat). */
  lookup(path: string, follow = true, cwd = '/'): Inode {
    return this.resolve(path, follow, cwd, 0).node;
  }

  /**
   * The parent directory and final name of a path (following links in the parent part), and
   * whether the path crossed a read-only mount point (`ro`: as the kernel, by the mount the final
   * lookup went through).
   */
  private resolve(path: string, follow: boolean, cwd: string, depth: number): { node: Inode; dir: Inode; name: string; abs: string; ro: boolean } {
    if (depth > 40) throw new FsError('ELOOP', path);
    const abs = path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`;
    const parts = abs.split('/').filter((p) => p !== '' && p !== '.');
    let node = this.root;
    let dir = this.root;
    const stack: Inode[] = [this.root];
    let name = '/';
    let curPath = '';
    let ro = false;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (node.kind !== 'dir') throw new FsError('ENOTDIR', path);
      if (part === '..') {
        if (stack.length > 1) stack.pop();
        node = stack[stack.length - 1]!;
        curPath = curPath.split('/').slice(0, -1).join('/');
        continue;
      }
      const child = node.children!.get(part);
      if (!child) throw new FsError('ENOENT', path);
      if (this.readOnlyMounts.has(child)) ro = true;
      dir = node;
      name = part;
      const last = i === parts.length - 1;
      if (child.kind === 'symlink' && (!last || follow)) {
        const target = child.target!;
        const base = target.startsWith('/') ? '' : curPath || '/';
        const rest = parts.slice(i + 1).join('/');
        const joined = `${target.startsWith('/') ? target : `${base.replace(/\/$/, '')}/${target}`}${rest ? `/${rest}` : ''}`;
        return this.resolve(joined, follow, '/', depth + 1);
      }
      node = child;
      stack.push(child);
      curPath = `${curPath}/${part}`;
    }
    return { node, dir, name, abs, ro };
  }

  exists(path: string, follow = true): boolean {
    try {
      this.lookup(path, follow);
      return true;
    } catch {
      return false;
    }
  }

  /** mkdir -p with the given mode for created dirs. */
  mkdirp(path: string, t: Nanos, mode = 0o755): Inode {
    let node = this.root;
    for (const part of path.split('/').filter(Boolean)) {
      let child = node.children!.get(part);
      if (!child) {
        child = this.makeDir(mode, t, node.dev);
        this.link(node, part, child, t);
      } else if (child.kind === 'symlink') {
        child = this.lookup(path.slice(0, path.indexOf(part) + part.length));
      }
      node = child;
    }
    return node;
  }

  private link(dir: Inode, name: string, node: Inode, t: Nanos): void {
    dir.children!.set(name, node);
    dir.mtime = t;
    dir.ctime = t;
  }

  unlink(dir: Inode, name: string, t: Nanos): void {
    dir.children!.delete(name);
    dir.mtime = t;
    dir.ctime = t;
  }

  writeFile(path: string, content: string | Buffer, t: Nanos, opts: { mode?: number; uid?: number; gid?: number } = {}): Inode {
    const slash = path.lastIndexOf('/');
    const dir = this.mkdirp(path.slice(0, slash) || '/', t);
    const name = path.slice(slash + 1);
    const existing = dir.children!.get(name);
    const file: Inode = existing && existing.kind === 'file'
      ? existing
      : { kind: 'file', ino: this.nextIno++, mode: opts.mode ?? 0o644, uid: opts.uid ?? 0, gid: opts.gid ?? 0, atime: t, mtime: t, ctime: t, birth: t, dev: dir.dev };
    file.content = Buffer.from(content);
    file.mtime = t;
    file.ctime = t;
    if (!existing) this.link(dir, name, file, t);
    return file;
  }

  symlink(path: string, target: string, t: Nanos): Inode {
    const slash = path.lastIndexOf('/');
    const dir = this.mkdirp(path.slice(0, slash) || '/', t);
    const node: Inode = { kind: 'symlink', ino: this.nextIno++, mode: 0o777, uid: 0, gid: 0, atime: t, mtime: t, ctime: t, birth: t, target, dev: dir.dev };
    this.link(dir, path.slice(slash + 1), node, t);
    return node;
  }

  /** Read a file's content, applying relatime to its atime (none through a read-only mount). */
  read(path: string, now: Nanos, cwd = '/'): Buffer {
    const { node, ro } = this.resolve(path, true, cwd, 0);
    if (node.kind === 'dir') throw new FsError('EISDIR', path);
    if (!ro) touchAtime(node, now);
    return node.content ?? Buffer.alloc(0);
  }

  /** Size as stat reports it. */
  static size(node: Inode): number {
    if (node.kind === 'file') return node.content!.length;
    if (node.kind === 'symlink') return Buffer.byteLength(node.target!);
    return node.tmpfs ? 40 + 20 * node.children!.size : 4096;
  }

  /** 512-byte blocks. */
  static blocks(node: Inode): number {
    if (node.kind === 'symlink') return 0;
    if (node.kind === 'dir') return node.tmpfs ? 0 : 8;
    // tmpfs and overlay both allocate in 4 KiB pages
    return Math.ceil(node.content!.length / 4096) * 8;
  }

  static links(node: Inode): number {
    if (node.kind !== 'dir') return 1;
    let subdirs = 0;
    for (const c of node.children!.values()) if (c.kind === 'dir') subdirs++;
    return 2 + subdirs;
  }

  /** Create a tmpfs mount point (replacing what is there). */
  mountTmpfs(path: string, t: Nanos): Inode {
    const slash = path.lastIndexOf('/');
    const parent = this.mkdirp(path.slice(0, slash) || '/', t);
    const dir = this.makeDir(0o1777, t, TMPFS, true);
    this.link(parent, path.slice(slash + 1), dir, t);
    return dir;
  }

  newDirIn(parent: Inode, name: string, mode: number, t: Nanos): Inode {
    const dir = this.makeDir(mode, t, parent.dev, parent.tmpfs);
    this.link(parent, name, dir, t);
    return dir;
  }

  newFileIn(parent: Inode, name: string, content: Buffer, mode: number, uid: number, gid: number, t: Nanos): Inode {
    const file: Inode = { kind: 'file', ino: this.nextIno++, mode, uid, gid, atime: t, mtime: t, ctime: t, birth: t, content, dev: parent.dev };
    this.link(parent, name, file, t);
    return file;
  }

  newSymlinkIn(parent: Inode, name: string, target: string, t: Nanos): Inode {
    const node: Inode = { kind: 'symlink', ino: this.nextIno++, mode: 0o777, uid: 0, gid: 0, atime: t, mtime: t, ctime: t, birth: t, target, dev: parent.dev };
    this.link(parent, name, node, t);
    return node;
  }
}

/** relatime: update atime if it is not newer than mtime/ctime, or older than a day. */
export function touchAtime(node: Inode, now: Nanos): void {
  const day = 24n * 3600n * 1000n * NS_PER_MS;
  // a read cannot precede the write it sees (both may fall in the same emulated millisecond)
  const t = now > node.mtime ? now : node.mtime;
  if (node.atime <= node.mtime || node.atime <= node.ctime || t - node.atime >= day) node.atime = t;
}

/** A projected volume's payload: relative path → content and mode. */
export type Payload = Map<string, { content: Buffer; mode: number; /** FileProjection.FsUser: the file's owner when set. */ uid?: number }>;

/** Go time.Format("..2006_01_02_15_04_05.") + os.MkdirTemp's random suffix. */
export function timestampedDirName(t: Date, random: number): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${t.getUTCFullYear()}_${p(t.getUTCMonth() + 1)}_${p(t.getUTCDate())}_${p(t.getUTCHours())}_${p(t.getUTCMinutes())}_${p(t.getUTCSeconds())}.${random}`;
}

/**
 * AtomicWriter.Write: when the payload differs, write all of it into a new timestamped dir, point
 * `..data` at it, create missing user-visible links, drop links no longer in the payload, remove
 * the old dir. Returns whether anything was written.
 */
export function atomicWrite(fs: VirtualFS, mount: Inode, payload: Payload, now: Date, nanos: Nanos, random: number, owner: { uid: number; gid: number }): boolean {
  const dataLink = mount.children!.get('..data');
  const oldDirName = dataLink?.target;
  const oldDir = oldDirName ? mount.children!.get(oldDirName) : undefined;
  if (oldDir && samePayload(oldDir, payload, nanos)) return false;
  const tsName = timestampedDirName(now, random);
  const tsDir = fs.newDirIn(mount, tsName, 0o755, nanos);
  for (const [rel, { content, mode, uid }] of [...payload.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const parts = rel.split('/');
    let dir = tsDir;
    for (const d of parts.slice(0, -1)) dir = dir.children!.get(d) ?? fs.newDirIn(dir, d, 0o755, nanos);
    fs.newFileIn(dir, parts[parts.length - 1]!, content, mode, uid ?? owner.uid, owner.gid, nanos);
  }
  // ..data_tmp then rename over ..data: a fresh symlink inode.
  if (dataLink) fs.unlink(mount, '..data', nanos);
  fs.newSymlinkIn(mount, '..data', tsName, nanos);
  const topLevel = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
  for (const name of topLevel) if (!mount.children!.has(name)) fs.newSymlinkIn(mount, name, `..data/${name}`, nanos);
  for (const [name, node] of [...mount.children!.entries()]) {
    if (!name.startsWith('..') && node.kind === 'symlink' && !topLevel.has(name)) fs.unlink(mount, name, nanos);
  }
  if (oldDirName) fs.unlink(mount, oldDirName, nanos);
  return true;
}

/**
 * volume.SetVolumeOwnership for a pod with fsGroup (pkg/volume/volume_linux.go changeFilePermission,
 * walking the whole volume, its root included): every entry's group becomes fsGroup (Lchown, links
 * too); files get `| 0440` and directories `| setgid | 0110 | 0440` (the read-only mask: secret,
 * configMap and projected volumes report ReadOnly); symlinks keep their mode.
 */
export function setVolumeOwnership(mount: Inode, fsGroup: number): void {
  const walk = (n: Inode) => {
    n.gid = fsGroup;
    if (n.kind === 'file') n.mode |= 0o440;
    else if (n.kind === 'dir') {
      n.mode |= 0o2000 | 0o110 | 0o440;
      for (const c of n.children!.values()) walk(c);
    }
  };
  walk(mount);
}

/**
 * AtomicWriter's shouldWritePayload: each payload file that exists is read back (os.ReadFile, through
 * the kubelet's own writable mount of the volume, so relatime applies) and compared, stopping at the
 * first that differs (k/k pkg/volume/util/atomic_writer.go shouldWriteFile). Upstream walks a Go map
 * (random order); here the payload's order. Every sync of an unchanged volume reads every file, which
 * is what moves a token file's atime after each write whether or not the app ever reads it.
 */
function samePayload(dir: Inode, payload: Payload, now: Nanos): boolean {
  const files = new Map<string, Inode>();
  const walk = (d: Inode, prefix: string) => {
    for (const [name, n] of d.children!) {
      if (n.kind === 'dir') walk(n, `${prefix}${name}/`);
      else if (n.kind === 'file') files.set(`${prefix}${name}`, n);
    }
  };
  walk(dir, '');
  for (const [p, { content }] of payload) {
    const file = files.get(p);
    if (!file) return false;
    touchAtime(file, now);
    if (!file.content!.equals(content)) return false;
  }
  // A file no longer in the payload: upstream's pathsToRemove forces the write too.
  return files.size === payload.size;
}
