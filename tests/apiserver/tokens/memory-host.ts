/**
 * An in-memory EmulatorHost for the unit tests of tokens/ and kubelet/ (and any test of A's that
 * wants one): plain maps, a settable clock, recorded events and label patches.
 */
import type { ConfigMap, EmulatorHost, EventInput, HostOptions, Node, Pod, Secret, ServiceAccount } from '../host';
import { createKeySet, type EmulatorKeySet } from './keys';

export interface MemoryHost extends EmulatorHost {
  keys: EmulatorKeySet;
  serviceAccounts: Map<string, ServiceAccount>;
  pods: Map<string, Pod>;
  secrets: Map<string, Secret>;
  configMaps: Map<string, ConfigMap>;
  nodes: Map<string, Node>;
  events: EventInput[];
  labelPatches: Array<{ namespace: string; name: string; labels: Record<string, string | null> }>;
  /** Move the clock forward. */
  advance(seconds: number): void;
  setNow(d: Date): void;
  add(obj: ServiceAccount | Pod | Secret | ConfigMap | Node): void;
}

const key = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

export function memoryHost(opts: Partial<HostOptions> & { now?: Date; keys?: EmulatorKeySet } = {}): MemoryHost {
  let now = opts.now ?? new Date('2026-11-28T16:00:00Z');
  const issuers = opts.issuers ?? ['https://kubernetes.default.svc.cluster.local'];
  const host: MemoryHost = {
    keys: opts.keys ?? createKeySet(),
    options: {
      issuers,
      apiAudiences: opts.apiAudiences ?? [issuers[0]!],
      extendTokenExpiration: opts.extendTokenExpiration ?? true,
      maxTokenExpirationSeconds: opts.maxTokenExpirationSeconds,
      serverUrl: opts.serverUrl ?? 'https://127.0.0.1:6443',
    },
    serviceAccounts: new Map(),
    pods: new Map(),
    secrets: new Map(),
    configMaps: new Map(),
    nodes: new Map(),
    events: [],
    labelPatches: [],
    getServiceAccount: (ns, name) => host.serviceAccounts.get(key(ns, name)),
    getPod: (ns, name) => host.pods.get(key(ns, name)),
    getSecret: (ns, name) => host.secrets.get(key(ns, name)),
    getConfigMap: (ns, name) => host.configMaps.get(key(ns, name)),
    getNode: (name) => host.nodes.get(name),
    listPods: () => [...host.pods.values()],
    updateSecretLabels(namespace, name, labels) {
      host.labelPatches.push({ namespace, name, labels });
      const secret = host.secrets.get(key(namespace, name));
      if (!secret) return;
      const next = { ...(secret.metadata.labels ?? {}) };
      for (const [k, v] of Object.entries(labels)) {
        if (v === null) delete next[k];
        else next[k] = v;
      }
      secret.metadata.labels = next;
    },
    recordEvent: (e) => void host.events.push(e),
    now: () => now,
    advance(seconds) {
      now = new Date(now.getTime() + seconds * 1000);
    },
    setNow(d) {
      now = d;
    },
    add(obj) {
      const kind = obj.kind;
      const k = key(obj.metadata.namespace, obj.metadata.name);
      if (kind === 'ServiceAccount') host.serviceAccounts.set(k, obj as ServiceAccount);
      else if (kind === 'Pod') host.pods.set(k, obj as Pod);
      else if (kind === 'Secret') host.secrets.set(k, obj as Secret);
      else if (kind === 'ConfigMap') host.configMaps.set(k, obj as ConfigMap);
      else if (kind === 'Node') host.nodes.set(obj.metadata.name, obj as Node);
      else throw new Error(`memoryHost.add: unknown kind ${String(kind)}`);
    },
  };
  return host;
}

/** Small object builders for tests. */
export const objects = {
  serviceAccount(namespace: string, name: string, uid = `sa-${namespace}-${name}`, extra: Partial<ServiceAccount> = {}): ServiceAccount {
    return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace, name, uid }, ...extra };
  },
  node(name: string, uid = `node-${name}`, ready = true): Node {
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, uid },
      status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    };
  },
  pod(namespace: string, name: string, opts: { uid?: string; serviceAccountName?: string; nodeName?: string; annotations?: Record<string, string> } = {}): Pod {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace, name, uid: opts.uid ?? `pod-${namespace}-${name}`, annotations: opts.annotations },
      spec: {
        serviceAccountName: opts.serviceAccountName ?? 'default',
        nodeName: opts.nodeName,
        containers: [{ name: 'app', image: 'busybox' }],
      },
      status: { phase: 'Running' },
    };
  },
  secret(namespace: string, name: string, uid = `secret-${namespace}-${name}`, extra: Partial<Secret> = {}): Secret {
    return { apiVersion: 'v1', kind: 'Secret', metadata: { namespace, name, uid }, ...extra };
  },
};
