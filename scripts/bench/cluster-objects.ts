/**
 * A large, plausible cluster as plain objects, one at a time (a generator: 170,000 objects never
 * sit in memory at once): per namespace, ServiceAccounts, pods running as them, Opaque Secrets and
 * legacy ServiceAccount-token Secrets, some of them auto-generated (listed in their
 * ServiceAccount's `.secrets`), some mounted by a pod, some with the last-used label.
 *
 * Shared by scripts/bench/generate-cluster.mjs (the scale benchmark's file; Node runs this file with
 * type stripping, so: no imports, erasable syntax only) and tests/perf (objects handed to the
 * emulator directly). Deterministic: the same counts give the same objects.
 */

export interface ClusterScale {
  namespaces: number;
  serviceAccountsPerNamespace: number;
  podsPerNamespace: number;
  /** All Secrets, token Secrets included. */
  secretsPerNamespace: number;
  tokenSecretsPerNamespace: number;
}

/** The benchmark's full scale (issue 8): 100,000 Secrets (10,000 tokens), 50,000 pods, 20,000 ServiceAccounts, 2,000 namespaces. */
export const FULL_SCALE: ClusterScale = {
  namespaces: 2000,
  serviceAccountsPerNamespace: 10,
  podsPerNamespace: 25,
  secretsPerNamespace: 50,
  tokenSecretsPerNamespace: 5,
};

/** The same cluster with a tenth of the namespaces. */
export function scaled(fraction: number, base: ClusterScale = FULL_SCALE): ClusterScale {
  return { ...base, namespaces: Math.max(1, Math.round(base.namespaces * fraction)) };
}

export function totals(s: ClusterScale): { namespaces: number; serviceAccounts: number; pods: number; secrets: number; tokenSecrets: number } {
  return {
    namespaces: s.namespaces,
    serviceAccounts: s.namespaces * s.serviceAccountsPerNamespace,
    pods: s.namespaces * s.podsPerNamespace,
    secrets: s.namespaces * s.secretsPerNamespace,
    tokenSecrets: s.namespaces * s.tokenSecretsPerNamespace,
  };
}

type Obj = Record<string, unknown>;

const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** A uuid-shaped id, the same for the same seed. */
function uid(kind: string, n: number): string {
  const h = (Math.imul(n + 1, 2654435761) >>> 0).toString(16).padStart(8, '0');
  const k = Buffer.from(kind).toString('hex').padEnd(12, '0').slice(0, 12);
  return `${h}-${k.slice(0, 4)}-4${k.slice(4, 7)}-8${k.slice(7, 10)}-${String(n).padStart(12, '0')}`;
}

/** Not signed by any key (nothing here authenticates with it): shaped as pkg/serviceaccount/legacy.go issues it. */
function legacyToken(ns: string, secret: string, sa: string, saUid: string): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', kid: 'bench' }));
  const payload = b64url(
    JSON.stringify({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': ns,
      'kubernetes.io/serviceaccount/secret.name': secret,
      'kubernetes.io/serviceaccount/service-account.name': sa,
      'kubernetes.io/serviceaccount/service-account.uid': saUid,
      sub: `system:serviceaccount:${ns}:${sa}`,
    }),
  );
  return `${header}.${payload}.${'s'.repeat(342)}`;
}

const CA = b64('-----BEGIN CERTIFICATE-----\nMIIBbench\n-----END CERTIFICATE-----\n');
const CREATED = '2024-05-01T10:00:00Z';
const LAST_USED = 'kubernetes.io/legacy-token-last-used';

export function* clusterObjects(s: ClusterScale): Generator<Obj> {
  let n = 0;
  for (let i = 0; i < s.namespaces; i++) {
    const ns = `team-${String(i).padStart(4, '0')}`;
    yield { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, uid: uid('ns', i), creationTimestamp: CREATED } };

    const sas = Array.from({ length: s.serviceAccountsPerNamespace }, (_, j) => ({ name: `app-${j}`, uid: uid('sa', i * 1000 + j) }));
    // Token Secrets go round-robin over the ServiceAccounts; every other one is auto-generated.
    const tokens = Array.from({ length: s.tokenSecretsPerNamespace }, (_, j) => ({ name: `app-${j % sas.length}-token-${j}`, sa: sas[j % sas.length], auto: j % 2 === 0 }));

    for (const sa of sas) {
      yield {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: sa.name, namespace: ns, uid: sa.uid, creationTimestamp: CREATED },
        secrets: tokens.filter((t) => t.auto && t.sa === sa).map((t) => ({ name: t.name })),
      };
    }
    for (const [j, t] of tokens.entries()) {
      yield {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/service-account-token',
        metadata: {
          name: t.name,
          namespace: ns,
          uid: uid('tok', ++n),
          creationTimestamp: CREATED,
          annotations: { 'kubernetes.io/service-account.name': t.sa.name, 'kubernetes.io/service-account.uid': t.sa.uid },
          ...(j % 3 === 0 ? { labels: { [LAST_USED]: '2025-01-15' } } : {}),
        },
        data: { 'ca.crt': CA, namespace: b64(ns), token: b64(legacyToken(ns, t.name, t.sa.name, t.sa.uid)) },
      };
    }
    for (let j = 0; j < s.secretsPerNamespace - s.tokenSecretsPerNamespace; j++) {
      yield {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: { name: `config-${j}`, namespace: ns, uid: uid('sec', ++n), creationTimestamp: CREATED, labels: { app: `app-${j % sas.length}` } },
        data: { username: b64(`user-${j}`), password: b64(`password-${i}-${j}`) },
      };
    }
    for (let j = 0; j < s.podsPerNamespace; j++) {
      const sa = sas[j % sas.length];
      // One pod in ten mounts a legacy token Secret as a volume, the others the projected token.
      const legacy = j % 10 === 0 && tokens.length ? tokens[(j / 10) % tokens.length] : undefined;
      const node = `node-${1 + (j % 2)}`;
      const name = `${sa.name}-${String(j).padStart(3, '0')}-x${i.toString(36)}`;
      yield {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: ns,
          uid: uid('pod', ++n),
          creationTimestamp: CREATED,
          labels: { app: sa.name },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${sa.name}-7d4b9c`, uid: uid('rs', i * 1000 + (j % sas.length)), controller: true }],
        },
        spec: {
          serviceAccountName: sa.name,
          nodeName: node,
          containers: [
            {
              name: 'app',
              image: 'registry.example/app:1.0',
              volumeMounts: [
                legacy
                  ? { name: 'legacy-token', mountPath: '/var/run/secrets/legacy', readOnly: true }
                  : { name: `kube-api-access-${name.slice(-5)}`, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
              ],
            },
          ],
          volumes: [
            legacy
              ? { name: 'legacy-token', secret: { secretName: legacy.name } }
              : {
                  name: `kube-api-access-${name.slice(-5)}`,
                  projected: {
                    defaultMode: 420,
                    sources: [
                      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
                    ],
                  },
                },
          ],
        },
        status: {
          phase: 'Running',
          startTime: CREATED,
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: CREATED }],
          containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'registry.example/app:1.0', state: { running: { startedAt: CREATED } } }],
        },
      };
    }
  }
}
