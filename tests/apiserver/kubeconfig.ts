/**
 * The kubeconfig a user of the profile's provider has, pointing at the emulator: kubeadm's
 * admin.conf (embedded client certificate), k3s's k3s.yaml (same, names `default`), the exec
 * stanzas of `aws eks update-kubeconfig`, `gcloud container clusters get-credentials` and
 * `kubelogin convert-kubeconfig`, or the bearer token `oc login` stores. Field names and order as
 * those tools write them (profiles/<name>.ts cites each).
 */
import { stringify } from 'yaml';
import type { ProviderCredential } from './auth/providers';
import type { Pki } from './pki/ca';
import { KUBEADM } from './profiles/kubeadm';
import type { Profile } from './profiles';

export const CONTEXT = KUBEADM.kubeconfig.context;
export const CLUSTER = KUBEADM.kubeconfig.cluster;

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** kubeadm's admin.conf for the emulator (the default profile's admin kubeconfig). */
export function adminKubeconfig(url: string, pki: Pki): string {
  return profileKubeconfig(url, pki, KUBEADM, { env: {}, files: {}, cert: { certPem: pki.admin.certPem, keyPem: pki.admin.keyPem } });
}

export function profileKubeconfig(url: string, pki: Pki, profile: Profile, credential: ProviderCredential): string {
  const k = profile.kubeconfig;
  let user: Record<string, unknown>;
  if (k.shape.kind === 'exec') {
    const e = k.shape.exec;
    const exec: Record<string, unknown> = { apiVersion: e.apiVersion, args: e.args.length ? [...e.args] : null, command: e.command };
    if (e.env !== undefined) exec.env = e.env;
    if (e.installHint !== undefined) exec.installHint = e.installHint;
    if (e.interactiveMode !== undefined) exec.interactiveMode = e.interactiveMode;
    if (e.provideClusterInfo !== undefined) exec.provideClusterInfo = e.provideClusterInfo;
    if (exec.args === null) delete exec.args;
    user = { exec };
  } else if (k.shape.kind === 'token') {
    user = { token: credential.token };
  } else {
    user = { 'client-certificate-data': b64(credential.cert!.certPem), 'client-key-data': b64(credential.cert!.keyPem) };
  }
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.cluster, cluster: { server: url, 'certificate-authority-data': b64(pki.ca.certPem) } }],
    users: [{ name: k.user, user }],
    contexts: [{ name: k.context, context: { cluster: k.cluster, user: k.user, ...(k.namespace ? { namespace: k.namespace } : {}) } }],
    'current-context': k.context,
    preferences: {},
  });
}
