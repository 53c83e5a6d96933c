/**
 * `whoami`: `kubectl auth whoami` with the plugin's own connection — a SelfSubjectReview sent
 * with the credentials every other command uses — so the two can be compared for any kubeconfig
 * (exec plugins, tokens, tokenFile, client certificates) and flag combination.
 */
import type { Deps, Outcome } from '../types.js';
import { authenticatedCredential } from './authenticated.js';
import type { WhoAmI } from './types.js';

export async function runWhoami(deps: Pick<Deps, 'kube'>, as?: string): Promise<Outcome<WhoAmI>> {
  const conn = await deps.kube();
  const review = await conn.api.createSelfSubjectReview();
  const u = review.status?.userInfo ?? {};
  const result: WhoAmI = {
    kind: 'WhoAmI',
    context: conn.cluster.contextName,
    cluster: conn.cluster.clusterName,
    server: conn.cluster.server,
    credential: authenticatedCredential(conn.authentication?.() ?? { kind: 'none' }, (u.extra ?? {}) as Record<string, string[]>),
    user: {
      username: u.username ?? '',
      ...(u.uid ? { uid: u.uid } : {}),
      groups: u.groups ?? [],
      extra: (u.extra ?? {}) as Record<string, string[]>,
    },
    ...(as ? { impersonating: as } : {}),
  };
  return { result, problem: false, notices: [] };
}
