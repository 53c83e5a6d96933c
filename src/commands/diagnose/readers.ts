/**
 * The two ways to read the mounted token once: exec into the container (diagnose POD), or the
 * service-account directory itself (diagnose --self, running inside the pod).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { got, missing, type Fetched, type FileStat, type MountedToken, type TokenFile } from '../../checks/context.js';
import { SA_DIR, tokenVolume } from '../../checks/spec.js';
import { ApiError } from '../../kube/errors.js';
import type { KubeApi } from '../../kube/types.js';
import type { Io } from '../types.js';
import { parseProbe, parseStatTime, probeCommand } from './probe.js';

/** Exit codes of a shell that could not find or run a command. */
const NOT_FOUND_EXIT = new Set([126, 127]);

export function execReader(api: KubeApi, pod: Promise<V1Pod | undefined>, containerName: () => string | undefined, enabled: boolean): () => Promise<Fetched<MountedToken>> {
  return async () => {
    if (!enabled) return missing({ kind: 'no-exec', message: 'disabled by --no-exec' });
    const p = await pod;
    if (!p) return missing({ kind: 'no-exec', message: 'the pod could not be read' });
    const name = containerName();
    const container = p.spec?.containers?.find((c) => c.name === name);
    if (!container) return missing({ kind: 'no-exec', message: `no container ${name}` });
    const running = p.status?.containerStatuses?.find((c) => c.name === name)?.state?.running;
    if (p.status?.phase !== 'Running' || !running) {
      return missing({ kind: 'no-exec', message: `container ${name} is not running (pod phase ${p.status?.phase ?? 'unknown'})` });
    }
    if (!tokenVolume(p, container)) return missing({ kind: 'not-applicable', message: `nothing is mounted at ${SA_DIR}` });
    const ns = p.metadata?.namespace ?? 'default';
    try {
      const r = await api.exec(ns, p.metadata?.name ?? '', name, probeCommand(SA_DIR));
      const parsed = parseProbe(SA_DIR, r.stdout);
      if (r.exitCode !== 0 && NOT_FOUND_EXIT.has(r.exitCode) && !parsed.raw) {
        return missing({ kind: 'no-exec', message: `the image has no shell or coreutils (distroless?): ${firstLine(r.stderr) || `exit code ${r.exitCode}`}` });
      }
      // stat saw the token but cat printed nothing: say why (denied…), not "no token".
      if (!parsed.raw && parsed.files.token && r.stderr.trim() !== '') {
        const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
        parsed.unreadable = (lines.find((l) => /^cat: /.test(l)) ?? lines[0]).trim();
      }
      return got(parsed);
    } catch (e) {
      if (e instanceof ApiError && e.code === 403) return missing({ kind: 'no-exec', message: `not permitted: create pods/exec in ${ns}` });
      const msg = e instanceof ApiError ? e.serverMessage || e.message : e instanceof Error ? e.message : String(e);
      // A runtime that cannot start the command (no sh in a distroless image) answers with a failure Status.
      if (/executable file not found/i.test(msg)) {
        return missing({ kind: 'no-exec', message: `the image has no shell (distroless?): ${firstLine(msg)}` });
      }
      return missing({ kind: 'no-exec', message: firstLine(msg) });
    }
  };
}

/** Optional `stat` of a path (the cli gives node:fs; tests give a fake). */
export type StatFile = (path: string) => Promise<FileStat | undefined>;

export function fileReader(io: Io, dir: string, stat?: StatFile): () => Promise<Fetched<MountedToken>> {
  return async () => {
    const files: MountedToken['files'] = { token: undefined, 'ca.crt': undefined, namespace: undefined };
    for (const f of ['token', 'ca.crt', 'namespace'] as const) {
      const path = `${dir}/${f}`;
      if (!(await io.exists(path))) files[f] = null;
      else if (stat) files[f] = (await stat(path)) ?? undefined;
    }
    if (files.token === null) return got({ via: 'file', dir, files });
    try {
      // stat first (above), then read: our read moves the atime app-token-reload looks at.
      const raw = (await io.readFile(`${dir}/token`)).toString('utf8').trim();
      return got({ via: 'file', dir, files, ...(raw ? { raw } : {}) });
    } catch (e) {
      return missing({ kind: 'error', message: `cannot read ${dir}/token: ${e instanceof Error ? e.message : String(e)}` });
    }
  };
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

const FILE_MARKER = '--satoken-file--';

/** One exec per path: `stat` then `cat` of a third party's token file (same order as the probe, for the atime). */
export function execFileReader(api: KubeApi, pod: Promise<V1Pod | undefined>, containerName: () => string | undefined, enabled: boolean): (path: string) => Promise<Fetched<TokenFile>> {
  return async (path) => {
    if (!enabled) return missing({ kind: 'no-exec', message: 'disabled by --no-exec' });
    const p = await pod;
    const name = containerName();
    if (!p || !name) return missing({ kind: 'no-exec', message: 'the pod could not be read' });
    const running = p.status?.containerStatuses?.find((c) => c.name === name)?.state?.running;
    if (!running) return missing({ kind: 'no-exec', message: `container ${name} is not running` });
    const q = `'${path.replace(/'/g, `'\\''`)}'`;
    try {
      const r = await api.exec(p.metadata?.namespace ?? 'default', p.metadata?.name ?? '', name, ['sh', '-c', `stat -L -c '%s|%x|%y' ${q}; echo ${FILE_MARKER}; cat ${q}`]);
      return got(parseFileProbe(path, r.stdout));
    } catch (e) {
      if (e instanceof ApiError && e.code === 403) return missing({ kind: 'no-exec', message: `not permitted: create pods/exec in ${p.metadata?.namespace}` });
      return missing({ kind: 'no-exec', message: firstLine(e instanceof Error ? e.message : String(e)) });
    }
  };
}

export function parseFileProbe(path: string, stdout: string): TokenFile {
  const at = stdout.indexOf(FILE_MARKER);
  const head = at >= 0 ? stdout.slice(0, at) : stdout;
  const raw = at >= 0 ? stdout.slice(at + FILE_MARKER.length).trim() : '';
  const m = /^(\d+)\|([^|]+)\|([^|]+)$/m.exec(head.trim());
  const atime = m ? parseStatTime(m[2]) : undefined;
  const mtime = m ? parseStatTime(m[3]) : undefined;
  const stat: FileStat | null = m && atime && mtime ? { size: Number(m[1]), atime, mtime } : null;
  return { path, stat: stat ?? (raw ? undefined : null), ...(raw ? { raw } : {}) };
}

/** diagnose --self: the file itself. */
export function localFileReader(io: Io, stat?: StatFile): (path: string) => Promise<Fetched<TokenFile>> {
  return async (path) => {
    if (!(await io.exists(path))) return got({ path, stat: null });
    const st = stat ? await stat(path) : undefined;
    try {
      const raw = (await io.readFile(path)).toString('utf8').trim();
      return got({ path, stat: st, ...(raw ? { raw } : {}) });
    } catch (e) {
      return missing({ kind: 'error', message: `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}` });
    }
  };
}
