/**
 * Context, cluster and user names straight from the kubeconfig files, as kubectl merges them
 * (--kubeconfig, else every path in $KUBECONFIG, else ~/.kube/config). No cluster call and no
 * client-node: completing `--context` must be instant.
 */
import { parse } from 'yaml';

/** The files kubectl would read, in merge order. */
export function kubeconfigPaths(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  home: string,
  delimiter: string,
): string[] {
  if (flag) return [flag];
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  if (fromEnv.length > 0) return fromEnv;
  return [`${home}/.kube/config`];
}

const LISTS = { context: 'contexts', cluster: 'clusters', user: 'users' } as const;

/** Names of one kind across several kubeconfig texts; unreadable or malformed ones are skipped. */
export function kubeconfigNames(texts: string[], kind: keyof typeof LISTS): string[] {
  const out: string[] = [];
  for (const text of texts) {
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      continue;
    }
    const list = doc && typeof doc === 'object' ? (doc as Record<string, unknown>)[LISTS[kind]] : undefined;
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const name = entry && typeof entry === 'object' ? (entry as { name?: unknown }).name : undefined;
      if (typeof name === 'string' && name !== '' && !out.includes(name)) out.push(name);
    }
  }
  return out;
}
