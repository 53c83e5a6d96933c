/**
 * The legacy token controller (pkg/controller/serviceaccount/tokens_controller.go): fills a
 * manual `kubernetes.io/service-account-token` Secret with `token`, `ca.crt`, `namespace` and the
 * uid annotation; deletes token Secrets whose ServiceAccount is gone.
 */
import { SA_NAME_ANNOTATION, SA_TOKEN_TYPE, SA_UID_ANNOTATION } from '../admission/secret';
import type { Cluster } from '../cluster';
import type { KubeObject, StoreEvent } from '../store/types';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function syncSecret(cluster: Cluster, secret: KubeObject): void {
  const ns = secret.metadata.namespace!;
  const saName = secret.metadata.annotations?.[SA_NAME_ANNOTATION];
  if (!saName) return;
  const sa = cluster.get('', 'serviceaccounts', ns, saName);
  const wantUid = secret.metadata.annotations?.[SA_UID_ANNOTATION];
  const secrets = cluster.type('', 'secrets');
  if (!sa || (wantUid && wantUid !== sa.metadata.uid)) {
    // The ServiceAccount no longer exists (or is another one): the controller deletes the Secret.
    if (cluster.store.get(secrets, ns, secret.metadata.name)) cluster.store.delete(secrets, ns, secret.metadata.name);
    return;
  }
  const data = secret.data ?? {};
  if (data.token && data['ca.crt'] && data.namespace && wantUid) return;
  if (!cluster.issueLegacyToken) return;
  const next = structuredClone(secret);
  next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [SA_UID_ANNOTATION]: sa.metadata.uid! };
  next.data = {
    ...data,
    'ca.crt': data['ca.crt'] ?? b64(cluster.pki.ca.certPem),
    namespace: data.namespace ?? b64(ns),
    token: data.token ?? b64(cluster.issueLegacyToken(sa, secret.metadata.name)),
  };
  delete next.metadata.resourceVersion;
  cluster.store.update(secrets, next);
}

export function tokenController(cluster: Cluster, e: StoreEvent): void {
  if (e.group !== '') return;
  if (e.resource === 'secrets' && e.type !== 'DELETED' && e.object.type === SA_TOKEN_TYPE) syncSecret(cluster, e.object);
  if (e.resource === 'serviceaccounts' && e.type === 'DELETED') {
    const sa = e.object;
    const secrets = cluster.type('', 'secrets');
    for (const s of [...cluster.store.list(secrets, sa.metadata.namespace, { fieldSelector: `type=${SA_TOKEN_TYPE}` }).items]) {
      const a = s.metadata.annotations ?? {};
      if (a[SA_NAME_ANNOTATION] === sa.metadata.name && (!a[SA_UID_ANNOTATION] || a[SA_UID_ANNOTATION] === sa.metadata.uid)) {
        cluster.store.delete(secrets, s.metadata.namespace, s.metadata.name);
      }
    }
  }
}

/** Fills every token Secret loaded without going through the store's events (bulk load). */
export function syncAllTokenSecrets(cluster: Cluster): void {
  const secrets = cluster.type('', 'secrets');
  for (const s of [...cluster.store.list(secrets, undefined, { fieldSelector: `type=${SA_TOKEN_TYPE}` }).items]) syncSecret(cluster, s);
}
