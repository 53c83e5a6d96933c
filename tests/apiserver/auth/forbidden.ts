/** The 403 Status the API server writes when authorization denies a request. */
import { qualified, StatusError } from '../errors';
import { Attributes, forbiddenMessage } from './rbac';

export function forbidden(a: Attributes, reason: string): StatusError {
  const msg = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  if (!a.isResourceRequest || !a.resource) return new StatusError(403, 'Forbidden', `forbidden: ${msg}`, {});
  const res = qualified(a.resource, a.group ?? '');
  const message = a.name ? `${res} "${a.name}" is forbidden: ${msg}` : `${res} is forbidden: ${msg}`;
  return new StatusError(403, 'Forbidden', message, { name: a.name, group: a.group || undefined, kind: a.resource });
}
