/**
 * The completion helper's connection to the process (argv, env, stdout, exit), shared by its two
 * entries: main.ts (npm's dist/kubectl_complete-satoken) and sea-main.ts (the single executable's
 * `__complete`). They differ only in how the cluster part is loaded.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { readFileCapped } from '../bounded-read.js';
import { LIMITS } from '../limits.js';
import { nodeVersionProblem } from '../version.js';
import { runCompletionHelper, type ListNames } from './helper.js';
import type { CompletionSpec } from './spec.js';

/** Baked in by the build (scripts/build.mjs) from the cli's own commands. */
declare const __SATOKEN_COMPLETION_SPEC__: CompletionSpec;

/** How long a pod/ServiceAccount/namespace look-up may take before completion gives up on it. */
const CLUSTER_TIMEOUT_MS = 1000;

export async function completionMain(words: string[], load: () => Promise<ListNames>): Promise<void> {
  const loadListNames = async () => {
    // client-node 2.x crashes on an older Node.js (TOOLCHAIN.md): offer no cluster names there.
    const problem = nodeVersionProblem(process.versions.node);
    if (problem) throw new Error(problem);
    return load();
  };
  const text = await runCompletionHelper(__SATOKEN_COMPLETION_SPEC__, words, {
    env: process.env,
    home: homedir(),
    delimiter: path.delimiter,
    readFile: async (p) => (await readFileCapped(p, LIMITS.kubeconfig, 'a kubeconfig')).toString('utf8'),
    loadListNames,
    timeoutMs: CLUSTER_TIMEOUT_MS,
  });
  // Exit once the answer is flushed: a cluster request given up on must not keep the shell waiting.
  process.stdout.write(text, () => process.exit(0));
}
