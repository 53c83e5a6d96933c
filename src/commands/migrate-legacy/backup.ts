/**
 * Backups that `kubectl apply -f` (or `migrate-legacy --restore`) turns back into the objects:
 * one JSON manifest per object, written BEFORE the object is touched. A Secret's backup holds its
 * token: files are private (0600), written through a temporary file of unpredictable name opened
 * exclusively, fsynced and renamed into place (Io.writePrivateFile), in a directory no other user
 * can write. Beside each manifest, `.restore-info` records the uid and resourceVersion it was taken
 * at: a later run replaces a copy of an object that changed since (restored, then edited), so the
 * backup always holds what is about to be deleted.
 */
import { UsageError } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import type { Io } from '../types.js';
import { inside, invalidName } from './names.js';

/** Server-set fields that would make `kubectl apply -f` or a create fail or conflict. */
export function restorable(obj: any): any {
  const { metadata = {}, status: _status, ...rest } = obj ?? {};
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, managedFields: _mf, generation: _g, selfLink: _sl, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, ...meta } = metadata;
  return { ...rest, metadata: meta };
}

export function backupName(kind: string, namespace: string, name: string): string {
  return `${namespace}.${kind.toLowerCase()}.${name}.json`;
}

/**
 * Creates a directory for backups or plan files (0700), or checks the one given: refused when another user could
 * write it (they could plant links or swap copies) — owned by someone else, or group/world-writable
 * without the sticky bit that keeps others from replacing our files.
 */
export async function checkPrivateDir(io: Io, dir: string, flag: '--backup-dir' | '--plan-dir' = '--backup-dir'): Promise<void> {
  const what = flag === '--backup-dir' ? 'the backups' : 'the plan files';
  if (!io.stat || !io.writePrivateFile) throw new Error(`${flag} needs a file system that can write private files`);
  try {
    await io.mkdir(dir, { mode: 0o700 });
  } catch (e) {
    throw new UsageError(`cannot create ${flag} ${dir} (${(e as Error).message})`);
  }
  const st = await io.stat(dir, { follow: true });
  if (!st || st.type !== 'directory') throw new UsageError(`${flag} ${dir} is not a directory`);
  if (io.userId === undefined) return;
  if (st.uid !== io.userId) throw new UsageError(`refusing ${flag} ${dir} (owned by another user, uid ${st.uid}: they could read or replace ${what})`);
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) {
    throw new UsageError(`refusing ${flag} ${dir} (writable by other users, mode ${(st.mode & 0o777).toString(8)}: they could plant links or replace ${what}; use a private directory)`);
  }
}

/** What `.restore-info` holds: where the copy came from, and what --restore needs beyond the manifest. */
interface RestoreInfo {
  uid?: string;
  resourceVersion?: string;
  [k: string]: unknown;
}

/**
 * Backs `obj` up unless an up-to-date copy is there. `written` is this run's set: the first copy
 * of an object in a run wins (a workload patched for two Secrets keeps its state before the first).
 */
export async function writeBackup(io: Io, dir: string, kind: string, obj: any, extra?: Record<string, unknown>, written?: Set<string>): Promise<string> {
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  const bad = invalidName(ns, name);
  if (bad) throw new Error(`cannot back up ${kind.toLowerCase()}: ${bad}`);
  if (!io.writePrivateFile) throw new Error('backups need a file system that can write private files');
  const file = inside(dir, backupName(kind, ns, name));
  const infoFile = `${file.slice(0, -'.json'.length)}.restore-info`;
  if (written?.has(file)) return file;
  const uid = obj.metadata?.uid;
  const resourceVersion = obj.metadata?.resourceVersion;
  const stored = await readInfo(io, infoFile);
  const fresh = stored && uid && stored.uid === uid && stored.resourceVersion === resourceVersion && (await ownFile(io, file));
  if (!fresh) {
    const body = { ...restorable(obj), kind: obj.kind ?? kind };
    if (!body.apiVersion) body.apiVersion = kind === 'Secret' ? 'v1' : 'apps/v1';
    // The manifest first, then its info: a crash between leaves an info that does not match, so
    // the next run writes both again rather than trusting an old manifest.
    await io.writePrivateFile(file, JSON.stringify(body, null, 2) + '\n');
    // What restore needs beyond the manifest goes beside it, so the manifest stays valid for `kubectl apply -f`.
    await io.writePrivateFile(infoFile, JSON.stringify({ ...extra, uid, resourceVersion }) + '\n');
  }
  written?.add(file);
  return file;
}

/** A regular file of ours (not a link, not planted by another user in a sticky directory). */
async function ownFile(io: Io, file: string): Promise<boolean> {
  const st = await io.stat!(file);
  return st?.type === 'file' && (io.userId === undefined || st.uid === io.userId);
}

async function readInfo(io: Io, file: string): Promise<RestoreInfo | undefined> {
  if (!(await ownFile(io, file))) return undefined;
  try {
    const info = JSON.parse((await io.readFile(file, { bytes: LIMITS.backupFile, what: 'a backup file' })).toString('utf8'));
    return info && typeof info === 'object' ? (info as RestoreInfo) : undefined;
  } catch {
    return undefined;
  }
}
