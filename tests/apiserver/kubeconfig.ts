/** The admin kubeconfig: CA and client certificate embedded, like kubeadm's admin.conf. */
import { stringify } from 'yaml';
import type { Pki } from './pki/ca';

export const CONTEXT = 'kubernetes-admin@emulator';
export const CLUSTER = 'emulator';

export function adminKubeconfig(url: string, pki: Pki): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CLUSTER, cluster: { server: url, 'certificate-authority-data': b64(pki.ca.certPem) } }],
    users: [{ name: 'kubernetes-admin', user: { 'client-certificate-data': b64(pki.admin.certPem), 'client-key-data': b64(pki.admin.keyPem) } }],
    contexts: [{ name: CONTEXT, context: { cluster: CLUSTER, user: 'kubernetes-admin', namespace: 'default' } }],
    'current-context': CONTEXT,
    preferences: {},
  });
}
