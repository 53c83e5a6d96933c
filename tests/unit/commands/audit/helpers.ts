/** Shared test helpers for audit: fake deps, in-memory log sources, event builders. */
import { Readable } from 'node:stream';
import type { Deps } from '../../../../src/commands/types';
import type { LogSource } from '../../../../src/commands/audit/read';
import type { KubeConnection } from '../../../../src/kube/types';
import { ApiError } from '../../../../src/kube/errors';

export const NOW = new Date('2026-11-28T16:00:00Z');

export function fakeDeps(over: Partial<Deps> = {}): Deps {
  return {
    clock: () => NOW,
    // audit reads its logs through LogSource, never through io: any use is a test failure.
    io: new Proxy({} as Deps['io'], {
      get: (_t, k) => () => Promise.reject(new Error(`io.${String(k)} is not expected in audit`)),
    }),
    kube: () => Promise.reject(new Error('this test must not touch the cluster')),
    progress: () => {},
    env: {},
    ...over,
  };
}

/** A log held in memory, served in small chunks so that line splitting across chunks is exercised. */
export function memorySource(name: string, data: string | Buffer, chunk = 97): LogSource {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  return {
    name,
    open: async () => {
      const parts: Buffer[] = [];
      for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
      return Readable.from(parts);
    },
  };
}

export const lines = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

let n = 0;
export interface EventOpts {
  sa?: string;
  pod?: string;
  stage?: string;
  at?: string;
  code?: number;
  ua?: string;
  ip?: string;
  verb?: string;
  resource?: string;
  annotations?: Record<string, string>;
  auditID?: string;
  noUser?: boolean;
}

/** One audit.k8s.io/v1 Event as the log backend writes it. */
export function event(o: EventOpts = {}): Record<string, unknown> {
  const [ns, name] = (o.sa ?? 'default:app').split(':');
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: o.auditID ?? `id-${++n}`,
    stage: o.stage ?? 'ResponseComplete',
    requestURI: `/api/v1/namespaces/${ns}/${o.resource ?? 'pods'}`,
    verb: o.verb ?? 'list',
    user: o.noUser
      ? {}
      : {
          username: `system:serviceaccount:${ns}:${name}`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
          ...(o.pod ? { extra: { 'authentication.kubernetes.io/pod-name': [o.pod] } } : {}),
        },
    sourceIPs: [o.ip ?? '10.0.0.1'],
    userAgent: o.ua ?? 'app/v0.0.0 (linux/amd64) kubernetes/$Format',
    objectRef: { resource: o.resource ?? 'pods', namespace: ns, apiVersion: 'v1' },
    ...(o.stage === 'RequestReceived' ? {} : { responseStatus: { metadata: {}, code: o.code ?? 200 } }),
    requestReceivedTimestamp: o.at ?? '2026-11-28T15:00:00.123456Z',
    stageTimestamp: o.at ?? '2026-11-28T15:00:00.223456Z',
    ...(o.annotations ? { annotations: o.annotations } : {}),
  };
}

export const stale = (sa: string, seconds: number) => ({
  'authentication.k8s.io/stale-token': `subject: system:serviceaccount:${sa}, seconds after warning threshold: ${seconds}`,
});

/** Both stages of one request (same auditID), as a policy without omitStages writes them. */
export function request(o: EventOpts = {}): Array<Record<string, unknown>> {
  const auditID = o.auditID ?? `req-${++n}`;
  return [event({ ...o, auditID, stage: 'RequestReceived' }), event({ ...o, auditID, stage: 'ResponseComplete' })];
}

/** A fake KubeConnection whose api answers readSecret/readConfigMap from maps and records the calls. */
export function fakeKube(secrets: Record<string, object | 'forbidden'>, configMap: object | 'forbidden' | undefined) {
  const calls: string[] = [];
  const api = {
    async readSecret(ns: string, name: string) {
      calls.push(`get secret ${ns}/${name}`);
      const s = secrets[`${ns}/${name}`];
      if (s === 'forbidden') throw new ApiError(403, 'Forbidden', 'secrets is forbidden', `get secrets "${name}"`);
      if (!s) throw new ApiError(404, 'NotFound', `secrets "${name}" not found`, `get secrets "${name}"`);
      return s;
    },
    /** The Secrets of the map that carry the label the selector names (a bare key: exists). */
    async listSecrets(_ns: string | undefined, o: { labelSelector?: string } = {}) {
      const key = o.labelSelector ?? '';
      return { items: Object.values(secrets).filter((s): s is { metadata?: { labels?: Record<string, string> } } => s !== 'forbidden' && (!key || key in ((s as any).metadata?.labels ?? {}))) };
    },
    async readConfigMap(ns: string, name: string) {
      calls.push(`get configmap ${ns}/${name}`);
      if (configMap === 'forbidden') throw new ApiError(403, 'Forbidden', 'configmaps is forbidden', `get configmaps "${name}"`);
      if (!configMap) throw new ApiError(404, 'NotFound', `configmaps "${name}" not found`, `get configmaps "${name}"`);
      return configMap;
    },
  };
  const connection = { namespace: 'default', namespaceExplicit: false, api } as unknown as KubeConnection;
  return { connection, calls };
}
