/**
 * Plain-object fakes for the checks: a pod as admission leaves it, and a DiagnosisSource whose
 * every answer is given (defaults: a healthy pod). The token is judged by the real JWT core.
 */
import type { CoreV1Event, V1Node, V1Pod, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import {
  got,
  missing,
  type AccessDecision,
  type ApiServerTokenConfig,
  type AuthOutcome,
  type CheckContext,
  type ContainerToken,
  type DiagnosisSource,
  type Fetched,
  type MountedToken,
  type TokenFile,
  type TokenUses,
  type Unavailable,
} from '../../../src/checks/context';
import { inspectToken } from '../../../src/jwt';
import type { AccessAttributes } from '../../../src/kube/types';
import { makeBoundToken, TEST_ISSUER, TEST_NOW } from '../../support/tokens';

export const NOW = TEST_NOW;
export const POD_UID = 'c0ffee00-1111-4222-8333-444455556666';
export const SA_UID = '5a0b6a8e-7c8e-4d0e-9d1f-3c4b5a6d7e8f';
export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const ago = (min: number) => new Date(NOW.getTime() - min * 60_000);

/** The default pod: web-7d4b9c-x2x9q in `default`, SA `app`, node-1, owned by Deployment web, running 20 minutes. */
export function makePod(patch: (p: V1Pod) => void = () => {}): V1Pod {
  const pod: V1Pod = {
    metadata: {
      name: 'web-7d4b9c-x2x9q',
      namespace: 'default',
      uid: POD_UID,
      labels: { app: 'web', 'pod-template-hash': '7d4b9c' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c', uid: 'rs-uid', controller: true }],
    },
    spec: {
      serviceAccountName: 'app',
      nodeName: 'node-1',
      containers: [{ name: 'app', image: 'example/app', volumeMounts: [{ name: 'kube-api-access-abcde', mountPath: SA_DIR, readOnly: true }] }],
      volumes: [
        {
          name: 'kube-api-access-abcde',
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
    },
    status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'example/app', imageID: '', state: { running: { startedAt: ago(20) } } }] },
  };
  patch(pod);
  return pod;
}

export function makeServiceAccount(patch: Partial<V1ServiceAccount> = {}): V1ServiceAccount {
  return { metadata: { name: 'app', namespace: 'default', uid: SA_UID, creationTimestamp: ago(60 * 24) }, ...patch };
}

export function makeNode(ready: 'True' | 'False' | 'Unknown' = 'True'): V1Node {
  return {
    metadata: { name: 'node-1', uid: 'node-uid' },
    status: { conditions: [{ type: 'Ready', status: ready, reason: ready === 'True' ? 'KubeletReady' : 'NodeStatusUnknown', lastTransitionTime: ago(90) }] },
  };
}

/** The token the default pod holds: issued 19 min ago, extended (warnafter +3607 s, exp +1 y). */
export function defaultToken(): string {
  return makeBoundToken({ namespace: 'default', serviceAccount: { name: 'app', uid: SA_UID }, expirationSeconds: 365 * 24 * 3600, warnAfterSeconds: 3607 });
}

export function mountedFiles(raw: string | undefined, times: { readMinAgo?: number; writtenMinAgo?: number } = {}): MountedToken {
  const st = { size: raw?.length ?? 0, atime: ago(times.readMinAgo ?? 19), mtime: ago(times.writtenMinAgo ?? 19) };
  return { via: 'exec', dir: SA_DIR, files: { token: st, 'ca.crt': { ...st, size: 1100 }, namespace: { ...st, size: 7 } }, ...(raw ? { raw } : {}) };
}

export interface FakeData {
  serviceAccount?: Fetched<V1ServiceAccount | null>;
  node?: Fetched<V1Node | null>;
  tokenSecrets?: Fetched<V1Secret[]>;
  podEvents?: Fetched<CoreV1Event[]>;
  mountedToken?: Fetched<MountedToken>;
  authentication?: Fetched<AuthOutcome>;
  apiServer?: Fetched<ApiServerTokenConfig>;
  access?: (a: AccessAttributes) => Fetched<AccessDecision>;
  /** Third-party token files by path; a path not listed is missing. */
  tokenFiles?: Record<string, TokenFile>;
  /** The pod's tokens as --audit-log showed them; without it the source has no tokenUses (no log given). */
  tokenUses?: Fetched<TokenUses>;
  /** The other containers' current tokens (diagnose POD --audit-log reads them); absent: not read. */
  podTokens?: Fetched<ContainerToken[]>;
}

/** A source answering from `data`; `calls` counts each method's use (checks must not re-fetch needlessly). */
export function fakeSource(data: FakeData = {}): DiagnosisSource & { calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const count = (k: string) => (calls[k] = (calls[k] ?? 0) + 1);
  const mounted = data.mountedToken ?? got(mountedFiles(defaultToken()));
  const apiServer = data.apiServer ?? got({ issuers: [TEST_ISSUER], apiAudiences: [TEST_ISSUER], discoveryIssuer: TEST_ISSUER, sources: ['kube-system/kube-apiserver-cp1 --api-audiences'] });
  return {
    calls,
    serviceAccount: async () => (count('serviceAccount'), data.serviceAccount ?? got(makeServiceAccount())),
    node: async () => (count('node'), data.node ?? got(makeNode())),
    tokenSecrets: async () => (count('tokenSecrets'), data.tokenSecrets ?? got([])),
    podEvents: async () => (count('podEvents'), data.podEvents ?? got([])),
    mountedToken: async () => (count('mountedToken'), mounted),
    token: async () => {
      count('token');
      if (!mounted.ok) return mounted;
      if (!mounted.value.raw) return missing({ kind: 'not-applicable', message: 'no token' });
      try {
        return got(await inspectToken(mounted.value.raw, { now: NOW, source: 'test' }));
      } catch (e) {
        return missing({ kind: 'invalid', message: (e as Error).message });
      }
    },
    authentication: async () =>
      (count('authentication'),
      data.authentication ?? got({ via: 'tokenreview', authenticated: true, username: 'system:serviceaccount:default:app', audiences: [TEST_ISSUER] })),
    apiServer: async () => (count('apiServer'), apiServer),
    access: async (a) => (count('access'), data.access ? data.access(a) : got({ allowed: true, via: 'selfsubjectaccessreview' })),
    tokenFile: async (path) => (count('tokenFile'), got(data.tokenFiles?.[path] ?? { path, stat: null })),
    ...(data.tokenUses ? { tokenUses: async () => (count('tokenUses'), data.tokenUses!) } : {}),
    ...(data.podTokens ? { podTokens: async () => (count('podTokens'), data.podTokens!) } : {}),
  };
}

export function makeCtx(o: { pod?: V1Pod; data?: DiagnosisSource; can?: AccessAttributes[]; podUnknown?: Unavailable; mode?: 'pod' | 'self' | 'scan'; paths?: string[] } = {}): CheckContext {
  const pod = o.pod ?? makePod();
  return {
    now: NOW,
    pod,
    container: pod.spec!.containers[0],
    options: { can: o.can ?? [], mode: o.mode ?? 'pod', ...(o.paths ? { paths: o.paths } : {}) },
    data: o.data ?? fakeSource(),
    ...(o.podUnknown ? { podUnknown: o.podUnknown } : {}),
  };
}

export const forbidden = (permission: string): Fetched<never> => missing({ kind: 'forbidden', permission, message: 'Forbidden' });
export const noExec = (message = 'disabled by --no-exec'): Fetched<never> => missing({ kind: 'no-exec', message });
