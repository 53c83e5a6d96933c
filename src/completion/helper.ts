/**
 * The completion helper's work, given its inputs: words in, protocol text out. Shared by the npm
 * helper (main.ts) and the single executable's `__complete` (sea-main.ts); the only difference
 * between them is how the cluster part is loaded.
 */
import { complete, formatCompletion, type GivenFlags, type NameKind, type NameSource } from './complete.js';
import type { ClusterKind } from './cluster-names.js';
import { kubeconfigNames, kubeconfigPaths } from './kubeconfig-names.js';
import type { CompletionSpec } from './spec.js';

/** Lists cluster names (cluster-entry.ts's listNames). */
export type ListNames = (
  kind: ClusterKind,
  given: GivenFlags,
  env: Record<string, string | undefined>,
  timeoutMs: number,
) => Promise<string[]>;

export interface HelperDeps {
  env: Record<string, string | undefined>;
  home: string;
  /** path.delimiter of this OS, for $KUBECONFIG. */
  delimiter: string;
  readFile(path: string): Promise<string>;
  /** Loads the cluster part; rejects where it cannot run (e.g. a Node.js too old for client-node). */
  loadListNames(): Promise<ListNames>;
  /** Budget for one cluster look-up, connection included. */
  timeoutMs: number;
}

/** Where each kind of name comes from: the kubeconfig file, or the cluster. */
export function nameSource(deps: HelperDeps): NameSource {
  return async (kind: NameKind, given: GivenFlags) => {
    if (kind === 'context' || kind === 'cluster' || kind === 'user') {
      const paths = kubeconfigPaths(given.kubeconfig, deps.env, deps.home, deps.delimiter);
      const texts = await Promise.all(paths.map((p) => deps.readFile(p).catch(() => '')));
      return kubeconfigNames(texts, kind);
    }
    const listNames = await deps.loadListNames();
    return listNames(kind, given, deps.env, deps.timeoutMs);
  };
}

export async function runCompletionHelper(spec: CompletionSpec, words: string[], deps: HelperDeps): Promise<string> {
  return formatCompletion(await complete(spec, words, nameSource(deps)));
}
