/**
 * The admission chain for writes, in upstream's order for the plugins that matter here:
 * NamespaceLifecycle, ServiceAccount (pods), defaulting and validation of the kinds we serve,
 * and the scheduler + kubelet effects the emulator applies at once (a new pod is bound to a
 * Ready node and reported Running).
 */
import type { UserInfo } from '../auth/user';
import type { Cluster } from '../cluster';
import { notFound, StatusError } from '../errors';
import type { ResourceType } from '../resources';
import type { KubeObject } from '../store/types';
import { admitNamespace } from './namespace';
import { admitPod } from './pod';
import { mutatingWebhooks } from './webhooks';
import { admitSecret } from './secret';

export type AdmissionOp = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  op: AdmissionOp;
  type: ResourceType;
  object: KubeObject;
  old?: KubeObject;
  user: UserInfo;
  warn(text: string): void;
}

export function admit(cluster: Cluster, a: AdmissionRequest): void {
  if (a.op === 'CREATE' && a.type.namespaced) {
    const ns = a.object.metadata.namespace ?? '';
    const namespace = cluster.get('', 'namespaces', undefined, ns);
    if (!namespace) throw notFound('namespaces', '', ns);
    if (namespace.status?.phase === 'Terminating') {
      throw new StatusError(403, 'Forbidden', `${a.type.resource} "${a.object.metadata.name || a.object.metadata.generateName}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, {
        name: a.object.metadata.name,
        kind: a.type.resource,
      });
    }
  }
  if (a.op === 'DELETE') return;
  switch (a.type.kind) {
    case 'Namespace':
      admitNamespace(a);
      break;
    case 'Pod':
      admitPod(cluster, a, mutatingWebhooks);
      break;
    case 'Secret':
      admitSecret(a);
      break;
  }
}
