/**
 * The plugin's own reads of a pod's token file, remembered from one run to the next. Only a token
 * directory on a writable volume (a copy in an emptyDir) still has its atime judged: on the usual
 * read-only token mount no read of ours moves it, so nothing is remembered there.
 *
 * app-token-reload judges the app by the token file's access time, and our read over exec moves it
 * as the app's would: the kubelet's token volume is a tmpfs mounted relatime, where a read moves
 * the atime only while it is not newer than mtime/ctime, or is a day old (Linux fs/inode.c,
 * relatime_need_update). So the first read after a rotation — ours, if we come first — fixes the
 * atime until the next rotation, and would hide whether the app ever read the new token.
 *
 * Each read of ours sits between two `stat`s. When it moved the atime, we write down where (cluster,
 * pod, container, path), the file's mtime, and the atime before and after, as stat printed them
 * (nanoseconds: two reads never print the same). A later run that finds that mtime with exactly
 * the atime our read left knows the atime is ours and judges by the one before it, as of our read.
 *
 * What is left: a read by anyone else — this plugin on another machine or under another user,
 * `kubectl exec … cat` by hand — looks like the app's. And after our read, a read by the app does
 * not show until the next rotation (relatime). On a real node, two more readers are not the app:
 * the kubelet reads each projected file back on every volume sync to compare it with the new
 * payload (k/k pkg/volume/util/atomic_writer.go shouldWriteFile), through its own writable mount;
 * and the container's mount is read-only (plugin/pkg/admission/serviceaccount/admission.go:
 * ReadOnly: true), where no read moves the atime (Linux fs/inode.c touch_atime skips the update
 * when the mount refuses write access) — neither the app's nor ours. Best effort: with no cache directory
 * ($XDG_CACHE_HOME, else $HOME/.cache) nothing is remembered, and a file we cannot read or write
 * is ignored.
 */
import type { Io } from './types.js';

/** Which file, on which cluster (a pod's name can repeat across clusters and namespaces). */
export interface ReadWhere {
  server: string;
  namespace: string;
  pod: string;
  container: string;
  path: string;
}

/** A file's access and modification times as `stat -c '%x'`/`'%y'` printed them. */
export interface StatTimes {
  atime: string;
  mtime: string;
}

export interface OwnReads {
  /**
   * When `seen.atime` is the atime a read of ours left on this file (same mtime): the atime it had
   * before our first such read, and when that read was (node time, stat's text). Else undefined.
   */
  before(where: ReadWhere, seen: StatTimes): Promise<{ atime: string; readAt: string } | undefined>;
  /** A read of ours moved the atime from `before.atime` to `afterAtime`. */
  remember(where: ReadWhere, before: StatTimes, afterAtime: string): Promise<void>;
}

interface Entry {
  /** ReadWhere, joined */
  w: string;
  m: string;
  /** atime before our read */
  b: string;
  /** atime after our read */
  a: string;
}

/** Enough for many clusters' worth of pods; the oldest go first. */
const MAX_ENTRIES = 2000;
/** A file bigger than this is not ours to parse. */
const MAX_BYTES = 1 << 20;
const FILE = 'own-reads.json';

export const forgetful: OwnReads = {
  before: async () => undefined,
  remember: async () => undefined,
};

function cacheDir(env: Record<string, string | undefined>): string | undefined {
  const abs = (p: string | undefined) => (p && p.startsWith('/') ? p : undefined);
  const xdg = abs(env.XDG_CACHE_HOME);
  if (xdg) return `${xdg}/kubectl-satoken`;
  const home = abs(env.HOME);
  return home ? `${home}/.cache/kubectl-satoken` : undefined;
}

const key = (w: ReadWhere) => JSON.stringify([w.server, w.namespace, w.pod, w.container, w.path]);

/** The memory in the user's cache directory; loaded once per run, each change written through (tmp file, rename). */
export function ownReadsIn(io: Io, env: Record<string, string | undefined>): OwnReads {
  const dir = cacheDir(env);
  if (!dir) return forgetful;
  const file = `${dir}/${FILE}`;
  let entries: Promise<Entry[]> | undefined;
  let writing: Promise<void> = Promise.resolve();
  let seq = 0;
  const load = () =>
    (entries ??= io.readFile(file, { bytes: MAX_BYTES, what: 'the memory of our own reads' }).then(
      (b) => (b.length > MAX_BYTES ? [] : parseEntries(b.toString('utf8'))),
      () => [],
    ));
  return {
    async before(where, seen) {
      const all = await load();
      const w = key(where);
      let found: { atime: string; readAt: string } | undefined;
      let atime = seen.atime;
      // A chain: a read of ours a day after the last one moves the atime again (relatime).
      for (let i = 0; i < 8; i++) {
        const e = all.find((x) => x.w === w && x.m === seen.mtime && x.a === atime);
        if (!e) break;
        found = { atime: e.b, readAt: e.a };
        atime = e.b;
      }
      return found;
    },
    async remember(where, before, afterAtime) {
      const all = await load();
      all.push({ w: key(where), m: before.mtime, b: before.atime, a: afterAtime });
      if (all.length > MAX_ENTRIES) all.splice(0, all.length - MAX_ENTRIES);
      const text = JSON.stringify({ version: 1, reads: all });
      // One write at a time (a --deep scan reads many pods at once); a failure is not the command's.
      writing = writing.then(async () => {
        try {
          await mkdirs(io, dir);
          const tmp = `${file}.${uniqueSuffix()}.${seq++}.tmp`;
          await io.writeFile(tmp, text, { mode: 0o600 });
          await io.rename(tmp, file);
        } catch {
          // best effort: the next run just knows less
        }
      });
      await writing;
    },
  };
}

/** Distinct tmp names for two runs writing at once (rename makes the last one win, whole). */
function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

async function mkdirs(io: Io, dir: string): Promise<void> {
  // $HOME/.cache may not exist yet; go no deeper than its parent.
  const parent = dir.slice(0, dir.lastIndexOf('/'));
  for (const d of [parent, dir]) {
    if (!(await io.exists(d))) await io.mkdir(d, { parents: false });
  }
}

function parseEntries(text: string): Entry[] {
  try {
    const doc = JSON.parse(text) as { version?: unknown; reads?: unknown };
    if (doc.version !== 1 || !Array.isArray(doc.reads)) return [];
    return doc.reads.filter((e): e is Entry => !!e && typeof e === 'object' && ['w', 'm', 'b', 'a'].every((k) => typeof (e as Record<string, unknown>)[k] === 'string'));
  } catch {
    return [];
  }
}
