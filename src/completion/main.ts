/**
 * Entry of `kubectl_complete-satoken` as the npm package ships it (dist/): kubectl runs it for
 * `kubectl satoken <TAB>` with the words typed after `satoken` (kubectl >= 1.26).
 *
 * This bundle holds no yargs and no client-node. The cluster part is the sibling file
 * dist/kubectl_complete-satoken-cluster.cjs (built from cluster-entry.ts), required only when a
 * pod, ServiceAccount or namespace name is completed: merely parsing it costs ~100 ms.
 */
import path from 'node:path';
import type { ListNames } from './helper.js';
import { completionMain } from './process.js';

export const CLUSTER_BUNDLE = 'kubectl_complete-satoken-cluster.cjs';

// A computed path, so that esbuild leaves the cluster code out of this bundle.
const load = async (): Promise<ListNames> =>
  (require(path.join(__dirname, CLUSTER_BUNDLE)) as { listNames: ListNames }).listNames;

void completionMain(process.argv.slice(2), load);
