/** The reference workload: namespace demo-healthy, a Deployment whose pod mounts a projected token. */
import type { Cluster } from '../cluster';
import { createObject } from '../objects';
import type { Scenario } from './index';

export const healthy: Scenario = {
  name: 'healthy',
  describe: 'a Deployment-owned pod with an automounted, rotating projected token',
  seed(cluster: Cluster) {
    const ns = 'demo-healthy';
    createObject(cluster, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    createObject(cluster, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: ns } });
    const labels = { app: 'web' };
    const podSpec = { serviceAccountName: 'web', containers: [{ name: 'web', image: 'nginx:1.27' }] };
    const deploy = createObject(cluster, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns, labels },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } },
      status: { replicas: 1, readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1, observedGeneration: 1 },
    });
    const hash = '7c5ddbdf54';
    const rs = createObject(cluster, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `web-${hash}`,
        namespace: ns,
        labels: { ...labels, 'pod-template-hash': hash },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: deploy.metadata.uid!, controller: true }],
      },
      spec: { replicas: 1, selector: { matchLabels: { ...labels, 'pod-template-hash': hash } }, template: { metadata: { labels }, spec: podSpec } },
      status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 1, observedGeneration: 1 },
    });
    createObject(cluster, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `web-${hash}-`,
        name: '',
        namespace: ns,
        labels: { ...labels, 'pod-template-hash': hash },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid!, controller: true }],
      },
      spec: structuredClone(podSpec),
    });
  },
};
