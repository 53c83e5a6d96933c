/**
 * Names only the cluster knows (pods, ServiceAccounts, Secrets, namespaces), through the kube layer, within
 * a short budget: completion must answer at once or not at all. This module (and client-node
 * behind `connect`) is loaded only when such a name is being completed.
 */
import type { ConnectionFlags, KubeConnection } from '../kube/types.js';
import type { GivenFlags } from './complete.js';

/** src/kube/connect.ts's connect(), passed in so tests can point it anywhere. */
export type Connect = (
  flags: ConnectionFlags,
  env: Record<string, string | undefined>,
  signal: AbortSignal,
) => Promise<KubeConnection>;

export type ClusterKind = 'pod' | 'serviceaccount' | 'secret' | 'namespace';

/** At most this many names are asked for: a shell does not show thousands anyway. */
const LIMIT = 500;

/** Lists names of `kind` as the given flags select them; rejects after `timeoutMs`. */
export async function clusterNames(
  connect: Connect,
  kind: ClusterKind,
  given: GivenFlags,
  env: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<string[]> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const work = async (): Promise<string[]> => {
    const conn = await connect({ ...given, requestTimeoutMs: timeoutMs }, env, controller.signal);
    const opts = { limit: LIMIT };
    const api = conn.api;
    const page =
      kind === 'pod'
        ? await api.listPods(conn.namespace, opts)
        : kind === 'serviceaccount'
          ? await api.listServiceAccounts(conn.namespace, opts)
          : kind === 'secret'
            ? await api.listSecrets(conn.namespace, opts)
            : await api.listNamespaces(opts);
    return page.items.map((o) => o.metadata?.name).filter((n): n is string => typeof n === 'string');
  };
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
