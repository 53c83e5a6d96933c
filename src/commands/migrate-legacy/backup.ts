/**
 * Backups that `kubectl apply -f` (or `migrate-legacy --restore`) turns back into the objects:
 * one JSON manifest per object, written atomically (tmp + rename) and only once per run, BEFORE the
 * object is touched. A Secret's backup holds its token: files are mode 0600.
 */
import type { Io } from '../types.js';

/** Server-set fields that would make `kubectl apply -f` or a create fail or conflict. */
export function restorable(obj: any): any {
  const { metadata = {}, status: _status, ...rest } = obj ?? {};
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, managedFields: _mf, generation: _g, selfLink: _sl, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, ...meta } = metadata;
  return { ...rest, metadata: meta };
}

export function backupName(kind: string, namespace: string, name: string): string {
  return `${namespace}.${kind.toLowerCase()}.${name}.json`;
}

export async function writeBackup(io: Io, dir: string, kind: string, obj: any, extra?: Record<string, unknown>): Promise<string> {
  const file = `${dir}/${backupName(kind, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '')}`;
  if (await io.exists(file)) return file;
  const body = { ...restorable(obj), kind: obj.kind ?? kind };
  if (!body.apiVersion) body.apiVersion = kind === 'Secret' ? 'v1' : 'apps/v1';
  // What restore needs beyond the manifest (e.g. the ServiceAccount that listed the Secret) goes
  // beside it, so the manifest itself stays valid for `kubectl apply -f`.
  if (extra) await atomicWrite(io, `${file.slice(0, -'.json'.length)}.restore-info`, JSON.stringify(extra) + '\n');
  await atomicWrite(io, file, JSON.stringify(body, null, 2) + '\n');
  return file;
}

async function atomicWrite(io: Io, file: string, text: string): Promise<void> {
  await io.writeFile(`${file}.tmp`, text, { mode: 0o600 });
  await io.rename(`${file}.tmp`, file);
}
