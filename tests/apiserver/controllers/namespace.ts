/**
 * Per-namespace controllers: the ServiceAccount controller (a `default` ServiceAccount in every
 * namespace, recreated if deleted) and the root-CA publisher (`kube-root-ca.crt` with the
 * cluster CA, recreated if deleted or changed).
 */
import type { Cluster } from '../cluster';
import type { StoreEvent } from '../store/types';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export function ensureNamespaceDefaults(cluster: Cluster, ns: string): void {
  if (!cluster.get('', 'namespaces', undefined, ns)) return;
  if (!cluster.get('', 'serviceaccounts', ns, 'default')) {
    cluster.store.create(cluster.type('', 'serviceaccounts'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
  }
  const cm = cluster.get('', 'configmaps', ns, ROOT_CA_CONFIGMAP);
  const want = cluster.pki.ca.certPem;
  if (!cm) {
    cluster.store.create(cluster.type('', 'configmaps'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns, annotations: { 'kubernetes.io/description': descriptionText } },
      data: { 'ca.crt': want },
    });
  } else if (cm.data?.['ca.crt'] !== want) {
    const next = structuredClone(cm);
    next.data = { ...(next.data ?? {}), 'ca.crt': want };
    cluster.store.update(cluster.type('', 'configmaps'), next);
  }
}

const descriptionText =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export function namespaceController(cluster: Cluster, e: StoreEvent): void {
  if (e.group !== '') return;
  if (e.resource === 'namespaces' && e.type === 'ADDED') ensureNamespaceDefaults(cluster, e.object.metadata.name);
  if (e.resource === 'serviceaccounts' && e.type === 'DELETED' && e.object.metadata.name === 'default') {
    ensureNamespaceDefaults(cluster, e.object.metadata.namespace!);
  }
  if (e.resource === 'configmaps' && e.object.metadata.name === ROOT_CA_CONFIGMAP && e.type !== 'ADDED') {
    ensureNamespaceDefaults(cluster, e.object.metadata.namespace!);
  }
}
