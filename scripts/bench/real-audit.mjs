/**
 * Counting a command's requests on the real cluster from kube-apiserver's audit log (JSON lines,
 * written in blocking mode, so every request's RequestReceived event is on disk before the request
 * is served). A request is one audit ID; only the events of the users named count (the bench user,
 * see real-cluster.mjs, and the benchmark's own ServiceAccounts).
 *
 * The log may be rotated under us (kube-apiserver's lumberjack writer renames it at 100 MB): when the
 * file is shorter than the mark, the newest rotated file beside it (`audit-<timestamp>.log`, or a
 * launcher's `audit.log.prev`) is read from the mark and the new file from its start.
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export function auditMark(file) {
  return { file, offset: statSync(file).size };
}

function readFrom(file, offset) {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    let at = 0;
    while (at < buf.length) {
      const n = readSync(fd, buf, at, buf.length - at, offset + at);
      if (n === 0) break;
      at += n;
    }
    return buf.subarray(0, at).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function rotatedBefore(file) {
  const dir = path.dirname(file);
  const name = path.basename(file);
  const stem = path.basename(file, path.extname(file));
  const olds = readdirSync(dir)
    .filter((f) => f !== name && f.startsWith(stem) && !f.endsWith('.gz'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return olds[0];
}

/**
 * The requests since `mark` made as `users` (the bench user, and the ServiceAccounts whose tokens
 * the command sends: test-auth and diagnose call the API with the token they judge): their count
 * and a line per request (`verb path`).
 */
export function requestsSince(mark, users) {
  let text;
  if (statSync(mark.file).size < mark.offset) {
    const old = rotatedBefore(mark.file);
    text = (old ? readFrom(old, mark.offset) : '') + readFrom(mark.file, 0);
  } else {
    text = readFrom(mark.file, mark.offset);
  }
  const seen = new Map();
  for (const line of text.split('\n')) {
    if (!users.some((u) => line.includes(u))) continue;
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a line cut by a rotation
    }
    if (!users.includes(e.user?.username) || seen.has(e.auditID)) continue;
    const uri = e.requestURI ?? '';
    seen.set(e.auditID, { verb: e.verb, uri, resource: e.objectRef?.subresource ? `${e.objectRef.resource}/${e.objectRef.subresource}` : e.objectRef?.resource });
  }
  return { count: seen.size, requests: [...seen.values()] };
}
