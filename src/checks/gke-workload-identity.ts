/**
 * GKE Workload Identity, for the third-party-tokens check. GKE mounts no token for it: the GKE
 * metadata server, run on the nodes of pools with `--workload-metadata=GKE_METADATA` and labelled
 * iam.gke.io/gke-metadata-server-enabled=true, answers the pod's Google Cloud client libraries as the
 * IAM service account its ServiceAccount names in iam.gke.io/gcp-service-account
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity: the annotation, and
 * `nodeSelector: iam.gke.io/gke-metadata-server-enabled: "true"` on Standard clusters). On a node
 * without it the libraries reach the Compute Engine metadata server, which exposes the node's own
 * metadata to pods (WorkloadMetadataConfig.Mode GCE_METADATA, Google.Cloud.Container.V1 reference)
 * and so the node's service account: the pod silently acts as the node.
 */
import { cmd, literal, operand, render } from '../shell/command.js';
import type { CheckContext } from './context.js';
import { patchPodTemplate, type SpecPatchOp } from './fixes.js';
import { serviceAccountName } from './spec.js';

export const GKE_GSA_ANNOTATION = 'iam.gke.io/gcp-service-account';
export const GKE_METADATA_LABEL = 'iam.gke.io/gke-metadata-server-enabled';
export const GKE_POOL_LABEL = 'cloud.google.com/gke-nodepool';

export interface GkeFinding {
  evidence: string;
  /** Set when the pod cannot get its IAM service account's credentials. */
  failure?: { message: string; fix: string[] };
}

/** Undefined when the ServiceAccount does not ask for Workload Identity or the node is unknown. */
export async function gkeWorkloadIdentity(ctx: CheckContext, saAnnotations: Record<string, string>): Promise<GkeFinding | undefined> {
  const gsa = saAnnotations[GKE_GSA_ANNOTATION];
  const nodeName = ctx.pod.spec?.nodeName;
  if (!gsa || !nodeName) return undefined;
  const node = await ctx.data.node();
  if (!node.ok || !node.value) return undefined;
  const labels = node.value.metadata?.labels ?? {};
  const sa = serviceAccountName(ctx.pod);
  const pool = labels[GKE_POOL_LABEL];
  const where = `node ${nodeName}${pool ? ` (node pool ${pool})` : ''}`;
  if (labels[GKE_METADATA_LABEL] === 'true') {
    return { evidence: `serviceaccount ${sa}: ${GKE_GSA_ANNOTATION}=${gsa}; ${where} runs the GKE metadata server (${GKE_METADATA_LABEL}=true)` };
  }
  const poolFix = pool ? `, or enable it on the pool: ${render(cmd('gcloud', 'container', 'node-pools', 'update', operand(pool), literal('--cluster=<CLUSTER>'), literal('--location=<LOCATION>'), '--workload-metadata=GKE_METADATA'))}` : '';
  return {
    evidence: `serviceaccount ${sa}: ${GKE_GSA_ANNOTATION}=${gsa}; ${where}: no label ${GKE_METADATA_LABEL}=true`,
    failure: {
      message:
        `ServiceAccount ${sa} has ${GKE_GSA_ANNOTATION}=${gsa}, but ${where} does not run the GKE metadata server (no label ${GKE_METADATA_LABEL}=true): ` +
        `Google Cloud client libraries there get the Compute Engine metadata server and act as the node's own service account, not as ${gsa}; ` +
        `schedule the pod onto nodes that run it${poolFix}`,
      fix: patchPodTemplate(ctx.pod, selectorOps(ctx.pod.spec?.nodeSelector ?? {})),
    },
  };
}

/** Select the metadata-server nodes; a pin to the node pool that lacks it is dropped. */
function selectorOps(selector: Record<string, string>): SpecPatchOp[] {
  // JSON Pointer (RFC 6901): "/" in a key is written "~1".
  const key = (k: string) => `/nodeSelector/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  const rest = Object.keys(selector).filter((k) => k !== GKE_POOL_LABEL);
  if (rest.length === 0) return [{ op: Object.keys(selector).length ? 'replace' : 'add', path: '/nodeSelector', value: { [GKE_METADATA_LABEL]: 'true' } }];
  return [...(GKE_POOL_LABEL in selector ? [{ op: 'remove' as const, path: key(GKE_POOL_LABEL) }] : []), { op: 'add', path: key(GKE_METADATA_LABEL), value: 'true' }];
}
