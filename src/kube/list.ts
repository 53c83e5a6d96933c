/**
 * Paginated LISTs (limit/continue), shared by the kube layer and by scans that want pages as
 * they come. Pure: works over any KubeApi list method, the real one or a test's fake.
 */
import { OperationError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { ListOptions, Page } from './types.js';

/** Items per page when the caller does not say: kubectl's own chunk size. */
export const DEFAULT_CHUNK = 500;

/** Follows `continue` from the first page to the last. */
export async function* listPages<T>(fetchPage: (cont: string | undefined) => Promise<Page<T>>): AsyncGenerator<Page<T>> {
  let cont: string | undefined;
  const seen = new Set<string>();
  let listed = 0;
  do {
    const page = await fetchPage(cont);
    // A server that hands out new continue tokens forever would keep a scan going, and growing,
    // without end: an empty page counts as a few objects, so that endless empty pages end too.
    listed += Math.max(page.items.length, 10);
    if (listed > LIMITS.listItems) {
      throw new OperationError(`the API server sent more than ${LIMITS.listItems} objects, page after page`, 'is the server a Kubernetes API server? No cluster holds this many');
    }
    yield page;
    cont = page.continue || undefined;
    // A server that hands back a token it gave before would loop forever.
    if (cont !== undefined) {
      if (seen.has(cont)) throw new Error(`the API server returned the same continue token twice ("${cont.slice(0, 20)}…")`);
      seen.add(cont);
    }
  } while (cont !== undefined);
}

/**
 * Streams the pages of a LIST, for scans over many objects:
 * `for await (const page of listAll((o) => api.listPods(undefined, o))) …`.
 */
export function listAll<T>(list: (opts: ListOptions) => Promise<Page<T>>, opts: Omit<ListOptions, 'continue' | 'singlePage'> = {}): AsyncGenerator<Page<T>> {
  return listPages((cont) => list({ ...opts, limit: opts.limit ?? DEFAULT_CHUNK, continue: cont, singlePage: true }));
}
