/**
 * Fakes for the unit tests of mint and test-auth: a KubeApi whose answers are set per test and
 * that records every call, an in-memory Io, and unsigned test tokens. No module mocks.
 */
import type { Deps, Io } from '../../../../src/commands/types';
import { ApiError, ConnectionError } from '../../../../src/kube/errors';
import type { KubeApi, KubeConnection } from '../../../../src/kube/types';

export const NOW = new Date('2026-11-28T16:00:00Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A JWT with the given claims and a fake signature (decoding does not verify). */
export function jwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', kid: 'test-kid' }): string {
  return `${b64(header)}.${b64(claims)}.${Buffer.from('not-a-real-signature-0123456789').toString('base64url')}`;
}

/** A bound token for ns/sa, valid ±1h around NOW unless overridden. */
export function boundToken(over: Record<string, unknown> = {}, k8s: Record<string, unknown> = {}): string {
  return jwt({
    aud: ['https://kubernetes.default.svc.cluster.local'],
    exp: NOW_S + 3600,
    iat: NOW_S,
    nbf: NOW_S,
    iss: 'https://kubernetes.default.svc.cluster.local',
    jti: '5b1c1f2e-0000-4000-8000-000000000001',
    sub: 'system:serviceaccount:shop:app',
    'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'app', uid: 'sa-uid-1' }, ...k8s },
    ...over,
  });
}

export function legacyToken(): string {
  return jwt({
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': 'shop',
    'kubernetes.io/serviceaccount/secret.name': 'app-token',
    'kubernetes.io/serviceaccount/service-account.name': 'app',
    'kubernetes.io/serviceaccount/service-account.uid': 'sa-uid-1',
    sub: 'system:serviceaccount:shop:app',
  });
}

export const apiError = (code: number, reason: string, message: string, details?: unknown) =>
  new ApiError(code, reason, message, 'request', details);
export const unauthorized = () => apiError(401, 'Unauthorized', 'Unauthorized');
export const forbidden = (message = 'forbidden') => apiError(403, 'Forbidden', message);
export const unreachable = () => new ConnectionError('https://127.0.0.1:6443', 'x509: certificate signed by unknown authority');

/** One recorded call: the method name and its arguments (tokens included: tests check what was sent). */
export interface Call {
  as: string;
  method: string;
  args: unknown[];
}

type Impl = Partial<{ [K in keyof KubeApi]: (...args: Parameters<KubeApi[K]>) => unknown }>;

/** A KubeApi answering from `impl`; a method not given throws, so a test sees unexpected calls. */
export function fakeApi(impl: Impl, calls: Call[], as = 'caller'): KubeApi {
  return new Proxy({} as KubeApi, {
    get(_t, method: string | symbol) {
      // Not a thenable, and not a method for symbols (jest inspects objects with them).
      if (typeof method !== 'string' || method === 'then') return undefined;
      return async (...args: unknown[]) => {
        calls.push({ as, method, args });
        const f = (impl as Record<string, (...a: unknown[]) => unknown>)[method];
        if (!f) throw new Error(`unexpected call ${as}.${method}`);
        return f(...args);
      };
    },
  });
}

export interface FakeCluster {
  caller?: Impl;
  /** The API as a given bearer token. */
  asToken?: (token: string) => Impl;
  namespace?: string;
  namespaceExplicit?: boolean;
}

export function fakeConnection(c: FakeCluster, calls: Call[]): KubeConnection {
  return {
    namespace: c.namespace ?? 'shop',
    namespaceExplicit: c.namespaceExplicit ?? false,
    cluster: { contextName: 'test', clusterName: 'test', server: 'https://127.0.0.1:6443', inCluster: false },
    api: fakeApi(c.caller ?? {}, calls),
    forToken: (token) => fakeApi(c.asToken ? c.asToken(token) : {}, calls, 'token'),
    kubeconfigForToken: (user, _token, ns) => `apiVersion: v1\nkind: Config\nusers:\n- name: ${user}\ncontexts:\n- context: {namespace: ${ns}}\n`,
  };
}

export interface MemoryIo extends Io {
  files: Map<string, { data: string; mode?: number }>;
}

export function memoryIo(initial: Record<string, string> = {}, stdin = ''): MemoryIo {
  const files = new Map<string, { data: string; mode?: number }>(Object.entries(initial).map(([k, v]) => [k, { data: v }] as const));
  const eexist = (p: string) => Object.assign(new Error(`EEXIST: file already exists, open '${p}'`), { code: 'EEXIST' });
  return {
    files,
    readFile: async (p) => {
      const f = files.get(p);
      if (!f) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
      return Buffer.from(f.data);
    },
    readStdin: async () => Buffer.from(stdin),
    writeFile: async (p, data, opts = {}) => {
      if (opts.exclusive && files.has(p)) throw eexist(p);
      files.set(p, { data: data.toString(), mode: opts.mode });
    },
    rename: async (from, to) => {
      const f = files.get(from);
      if (!f) throw new Error('ENOENT');
      files.delete(from);
      files.set(to, f);
    },
    mkdir: async () => {},
    readDir: async () => [...files.keys()],
    exists: async (p) => files.has(p),
  };
}

export function fakeDeps(cluster: FakeCluster, calls: Call[], io: Io = memoryIo()): Deps {
  const conn = fakeConnection(cluster, calls);
  return { clock: () => NOW, io, kube: async () => conn, progress: () => {}, env: {} };
}
