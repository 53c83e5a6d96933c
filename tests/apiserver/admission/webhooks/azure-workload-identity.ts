/**
 * Azure/azure-workload-identity's mutating webhook (`mutation.azure-workload-identity.io`) as AKS
 * runs it, at pod admission after the built-in ServiceAccount plugin. Its
 * MutatingWebhookConfiguration selects pods labelled `azure.workload.identity/use: "true"` (the
 * project's e2e test labels the pod, not the ServiceAccount). pkg/webhook/webhook.go Handle:
 *  - the pod's ServiceAccount (default `default`); token expiration = pod annotation
 *    `azure.workload.identity/service-account-token-expiration` > the ServiceAccount's > 3600, and
 *    outside 3600..86400 the pod is refused (`token expiration %d not valid. Expected value to be
 *    between 3600 and 86400`; the webhook answers admission.Errored(400), failurePolicy Fail);
 *  - per container not in `azure.workload.identity/skip-containers` (`;`-separated): env
 *    AZURE_CLIENT_ID (ServiceAccount annotation azure.workload.identity/client-id),
 *    AZURE_TENANT_ID (annotation azure.workload.identity/tenant-id, else the cluster's tenant),
 *    AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST (the public cloud's
 *    https://login.microsoftonline.com/) — each only if absent and non-empty, so a ServiceAccount
 *    without client-id gets no AZURE_CLIENT_ID; a read-only mount replacing one of the same name;
 *  - the projected volume (serviceAccountToken, audience api://AzureADTokenExchange) appended or
 *    replacing one of the same name.
 * Names and paths as released (pkg/webhook/consts.go: TokenFilePathName `azure-identity-token`,
 * TokenFileMountPath `/var/run/secrets/azure/tokens`); the newest main hashes the volume name per
 * pod, which AKS does not run yet. The proxy sidecar (inject-proxy-sidecar) is not emulated.
 */
import type { Cluster } from '../../cluster';
import { StatusError } from '../../errors';
import type { KubeObject } from '../../store/types';

export const AZURE_USE_LABEL = 'azure.workload.identity/use';
export const AZURE_CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';
export const AZURE_TENANT_ID_ANNOTATION = 'azure.workload.identity/tenant-id';
export const AZURE_TOKEN_EXPIRATION_ANNOTATION = 'azure.workload.identity/service-account-token-expiration';
export const AZURE_SKIP_CONTAINERS_ANNOTATION = 'azure.workload.identity/skip-containers';
export const AZURE_TOKEN_FILE_NAME = 'azure-identity-token';
export const AZURE_TOKEN_MOUNT_PATH = '/var/run/secrets/azure/tokens';
export const AZURE_AUDIENCE = 'api://AzureADTokenExchange';
export const AZURE_AUTHORITY_HOST = 'https://login.microsoftonline.com/';
const WEBHOOK = 'mutation.azure-workload-identity.io';

function denied(message: string): StatusError {
  return new StatusError(400, 'BadRequest', `admission webhook "${WEBHOOK}" denied the request: ${message}`);
}

export function azureWorkloadIdentityWebhook(cluster: Cluster, pod: KubeObject): void {
  if (pod.metadata.labels?.[AZURE_USE_LABEL] !== 'true') return;
  const ns = pod.metadata.namespace!;
  const saName = pod.spec.serviceAccountName || 'default';
  const sa = cluster.get('', 'serviceaccounts', ns, saName);
  if (!sa) throw denied(`serviceaccounts "${saName}" not found`);
  const saAnn = sa.metadata.annotations ?? {};
  const podAnn = pod.metadata.annotations ?? {};
  const raw = podAnn[AZURE_TOKEN_EXPIRATION_ANNOTATION] || saAnn[AZURE_TOKEN_EXPIRATION_ANNOTATION];
  let expiration = 3600;
  if (raw) {
    // strconv.ParseInt's error text.
    if (!/^[+-]?\d+$/.test(raw)) throw denied(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
    expiration = parseInt(raw, 10);
  }
  if (expiration < 3600 || expiration > 86400) throw denied(`token expiration ${expiration} not valid. Expected value to be between 3600 and 86400`);
  const clientId = saAnn[AZURE_CLIENT_ID_ANNOTATION] ?? '';
  const tenantId = saAnn[AZURE_TENANT_ID_ANNOTATION] ?? cluster.options.profile.cloud.tenant ?? '';
  const skip = new Set((podAnn[AZURE_SKIP_CONTAINERS_ANNOTATION] ?? '').split(';').map((s) => s.trim()).filter(Boolean));
  const desired = [
    { name: 'AZURE_CLIENT_ID', value: clientId },
    { name: 'AZURE_TENANT_ID', value: tenantId },
    { name: 'AZURE_FEDERATED_TOKEN_FILE', value: `${AZURE_TOKEN_MOUNT_PATH}/${AZURE_TOKEN_FILE_NAME}` },
    { name: 'AZURE_AUTHORITY_HOST', value: AZURE_AUTHORITY_HOST },
  ];
  const mount = { name: AZURE_TOKEN_FILE_NAME, mountPath: AZURE_TOKEN_MOUNT_PATH, readOnly: true };
  const spec = pod.spec;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if (skip.has(c.name)) continue;
    const env: Array<{ name: string }> = c.env ?? [];
    for (const e of desired) if (e.value && !env.some((x) => x.name === e.name)) env.push({ ...e });
    c.env = env;
    const mounts: Array<{ name: string }> = c.volumeMounts ?? [];
    const i = mounts.findIndex((m) => m.name === mount.name);
    if (i >= 0) mounts[i] = { ...mount };
    else mounts.push({ ...mount });
    c.volumeMounts = mounts;
  }
  const volume = { name: AZURE_TOKEN_FILE_NAME, projected: { sources: [{ serviceAccountToken: { path: AZURE_TOKEN_FILE_NAME, expirationSeconds: expiration, audience: AZURE_AUDIENCE } }] } };
  spec.volumes ??= [];
  const vi = spec.volumes.findIndex((v: { name: string }) => v.name === volume.name);
  if (vi >= 0) spec.volumes[vi] = volume;
  else spec.volumes.push(volume);
}
