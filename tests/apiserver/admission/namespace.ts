/** Namespace defaults: the `kubernetes` finalizer, phase Active, the metadata.name label (1.22+). */
import type { AdmissionRequest } from './index';

export function admitNamespace(a: AdmissionRequest): void {
  const o = a.object;
  o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name };
  o.spec = { finalizers: ['kubernetes'], ...(o.spec ?? {}) };
  if (a.op === 'CREATE') o.status = { phase: 'Active' };
}
