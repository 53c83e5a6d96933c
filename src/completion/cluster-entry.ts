/**
 * Entry of the helper's second bundle (dist/kubectl_complete-satoken-cluster.cjs): the kube layer
 * and client-node, about 4 MB that the helper requires only when it completes a pod, ServiceAccount
 * or namespace name. Kept apart because merely parsing it costs ~100 ms on every TAB.
 */
import { connect } from '../kube/connect.js';
import { clusterNames, type ClusterKind } from './cluster-names.js';
import type { GivenFlags } from './complete.js';

export function listNames(
  kind: ClusterKind,
  given: GivenFlags,
  env: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<string[]> {
  return clusterNames(connect, kind, given, env, timeoutMs);
}
