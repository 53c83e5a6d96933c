/**
 * A fake KubeApi whose answers come back in rounds: every call made while a round is pending joins
 * it, so the number of rounds is the critical path in round trips. Answers default to a healthy pod.
 */
import type { Deps } from '../../../../src/commands/types';
import type { KubeApi, KubeConnection } from '../../../../src/kube/types';
import { jwksOf, KEYS, TEST_ISSUER } from '../../../support/tokens';
import { defaultToken, makeNode, makePod, makeServiceAccount, NOW, SA_DIR } from '../../checks/fakes';

export interface Call {
  name: string;
  round: number;
}

export function roundTripApi(answers: Record<string, (...args: any[]) => unknown>) {
  const calls: Call[] = [];
  let pending: Array<() => void> = [];
  let round = 1;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    round++;
    for (const resolve of batch) resolve();
  };
  const call = (name: string, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      calls.push({ name, round });
      pending.push(() => {
        try {
          resolve(answers[name]?.(...args));
        } catch (e) {
          reject(e);
        }
      });
      // Let every call this round makes join it before answering (a macrotask after the microtasks).
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, 5);
      }
    });
  const api = new Proxy({}, { get: (_t, name: string) => (...args: unknown[]) => call(name === 'listPods' && (args[0] === 'kube-system' || args[0] === 'openshift-kube-apiserver') ? `listPods ${args[0]}` : name, args) }) as KubeApi;
  return { api, calls };
}

export const stat = (t: string) => `${SA_DIR}/token|1200|${t}|${t}`;

export function deps(api: KubeApi, tokenApi: KubeApi): Deps {
  const conn: KubeConnection = {
    namespace: 'default',
    namespaceExplicit: true,
    cluster: { contextName: 'c', clusterName: 'c', server: 'https://x', inCluster: false },
    api,
    forToken: () => tokenApi,
    kubeconfigForToken: () => '',
  };
  return { clock: () => NOW, io: {} as Deps['io'], kube: async () => conn, progress: () => {}, env: {} };
}

export const t19 = '2026-11-28 15:41:00.000000000 +0000';
export const answers: Record<string, (...args: any[]) => unknown> = {
  readPod: () => makePod(),
  readServiceAccount: () => makeServiceAccount(),
  readNode: () => makeNode(),
  listSecrets: () => ({ items: [] }),
  listEvents: () => ({ items: [] }),
  getRaw: (path: string) => (path === '/openid/v1/jwks' ? jwksOf(KEYS.rsa) : { issuer: TEST_ISSUER }),
  'listPods kube-system': () => ({ items: [] }),
  'listPods openshift-kube-apiserver': () => ({ items: [] }),
  // No control-plane pod is visible: the API audiences come from a TokenRequest without audiences.
  createToken: () => ({ tokenRequest: { spec: { audiences: [TEST_ISSUER] }, status: { token: defaultToken() } }, warnings: [] }),
  exec: () => ({ stdout: [stat(t19), `${SA_DIR}/ca.crt|1|${t19}|${t19}`, `${SA_DIR}/namespace|7|${t19}|${t19}`, '--satoken-token--', defaultToken()].join('\n'), stderr: '', exitCode: 0 }),
  createTokenReview: () => ({ status: { authenticated: true, user: { username: 'system:serviceaccount:default:app', groups: [] }, audiences: [TEST_ISSUER] } }),
};

