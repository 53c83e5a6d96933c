/**
 * Fake Deps for decode's unit tests: an in-memory Io and a KubeConnection object that answers
 * only what decode asks (readPod, exec, readSecret, getRaw) and records every call. Integration
 * tests run the real kube layer against the emulator instead.
 */
import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import type { Deps, Io } from '../../../../src/commands/types';
import { podFileReadCommand } from '../../../../src/commands/pod-file-read';
import { ApiError } from '../../../../src/kube/errors';
import type { ExecResult, KubeApi, KubeConnection } from '../../../../src/kube/types';
import { TEST_NOW } from '../../../support/tokens';

export interface FakeCluster {
  namespace?: string;
  pods?: Record<string, V1Pod>;
  /** What `cat PATH` prints, per "pod/container:path"; a missing key exits 1 with "No such file". */
  files?: Record<string, string>;
  secrets?: Record<string, V1Secret>;
  /** Raw GET answers by path; an ApiError value is thrown. */
  raw?: Record<string, unknown>;
  /** Thrown by exec instead of running (e.g. the runtime's "executable file not found"). */
  execError?: Error;
}

export interface Fake {
  deps: Deps;
  /** Every API call, e.g. `exec default/web app cat /var/…`, `getRaw /openid/v1/jwks`. */
  calls: string[];
  /** How many times deps.kube() was called (0 = no cluster touched). */
  connects: () => number;
}

/** `partial` as a T whose other members reject: decode must not use them (and new members need no edit here). */
function onlyThese<T extends object>(what: string, partial: Partial<T>): T {
  return new Proxy(partial, {
    get: (target, key) =>
      key in target ? target[key as keyof T] : () => Promise.reject(new Error(`decode must not call ${what}.${String(key)}`)),
  }) as T;
}

const notFound = (what: string, name: string) => new ApiError(404, 'NotFound', `${what} "${name}" not found`, `get ${what} "${name}"`);

export function fakeDeps(opts: { cluster?: FakeCluster; files?: Record<string, string>; stdin?: string; now?: Date } = {}): Fake {
  const calls: string[] = [];
  let connects = 0;
  const c = opts.cluster ?? {};
  const ns = c.namespace ?? 'default';
  const api = onlyThese<KubeApi>('the API', {
    readPod: async (namespace, name) => {
      calls.push(`readPod ${namespace}/${name}`);
      const p = c.pods?.[`${namespace}/${name}`];
      if (!p) throw notFound('pods', name);
      return p;
    },
    exec: async (namespace, pod, container, command): Promise<ExecResult> => {
      // decode's one read script (stat, cat, stat) is recorded as `read PATH`; anything else as it was sent.
      const script = /cat '((?:[^']|'\\'')*)'/.exec(command[2] ?? '');
      const path = script ? script[1]!.replace(/'\\''/g, "'") : command[1];
      const isRead = !!script && command.join(' ') === podFileReadCommand(path!).join(' ');
      calls.push(`exec ${namespace}/${pod} ${container ?? '-'} ${isRead ? `read ${path}` : command.join(' ')}`);
      if (c.execError) throw c.execError;
      const out = c.files?.[`${namespace}/${pod}/${container}:${path}`];
      const times = '2026-11-28 16:04:02.021000000 +0000|2026-11-28 16:04:01.921279653 +0000\n';
      if (out === undefined) return { stdout: isRead ? '--satoken-read--\n\n--satoken-after--\n' : '', stderr: `cat: can't open '${path}': No such file or directory\n`, exitCode: 1 };
      return { stdout: isRead ? `${times}--satoken-read--\n${out}\n--satoken-after--\n${times}` : out, stderr: '', exitCode: 0 };
    },
    readSecret: async (namespace, name) => {
      calls.push(`readSecret ${namespace}/${name}`);
      const s = c.secrets?.[`${namespace}/${name}`];
      if (!s) throw notFound('secrets', name);
      return s;
    },
    getRaw: async (path) => {
      calls.push(`getRaw ${path}`);
      const v = c.raw?.[path];
      if (v instanceof Error) throw v;
      if (v === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', `get ${path}`);
      return v;
    },
  });
  const conn: KubeConnection = {
    namespace: ns,
    namespaceExplicit: false,
    cluster: { contextName: 'fake', clusterName: 'fake', server: 'https://127.0.0.1:6443', inCluster: false },
    api,
    forToken: () => {
      throw new Error('decode must not call forToken');
    },
    kubeconfigForToken: () => {
      throw new Error('decode must not call kubeconfigForToken');
    },
  };
  const files = opts.files ?? {};
  const io = onlyThese<Io>('io', {
    readFile: async (path) => {
      if (!(path in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return Buffer.from(files[path]);
    },
    readStdin: async () => Buffer.from(opts.stdin ?? ''),
    exists: async (path) => path in files,
  });
  const now = opts.now ?? TEST_NOW;
  return {
    deps: {
      clock: () => now,
      io,
      kube: async () => {
        connects++;
        return conn;
      },
      progress: () => {},
      env: {},
    },
    calls,
    connects: () => connects,
  };
}
