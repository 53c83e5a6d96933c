/**
 * Secret defaults and the validation of ServiceAccount token Secrets (they must name their
 * ServiceAccount in the `kubernetes.io/service-account.name` annotation).
 */
import { invalid } from '../errors';
import type { AdmissionRequest } from './index';

export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

export function admitSecret(a: AdmissionRequest): void {
  const o = a.object;
  o.type ??= 'Opaque';
  if (o.stringData && typeof o.stringData === 'object') {
    // stringData is write-only: merged into data (base64) and dropped, as the API server does.
    o.data = { ...(o.data ?? {}) };
    for (const [k, v] of Object.entries(o.stringData as Record<string, string>)) o.data[k] = Buffer.from(String(v)).toString('base64');
    delete o.stringData;
  }
  if (o.type === SA_TOKEN_TYPE && !o.metadata.annotations?.[SA_NAME_ANNOTATION]) {
    throw invalid('Secret', '', o.metadata.name, [
      { field: `metadata.annotations[${SA_NAME_ANNOTATION}]`, message: 'Required value', reason: 'FieldValueRequired' },
    ]);
  }
}
