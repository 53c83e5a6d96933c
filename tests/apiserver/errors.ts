/**
 * API errors in kube-apiserver's form: every failure the emulator answers is a `Status` object
 * (`kind: Status`, `status: Failure`) with the upstream reason, code and message text.
 */

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Array<{ reason?: string; message?: string; field?: string }>;
  retryAfterSeconds?: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  /** The Status body, field for field as the API server writes it. */
  toStatus(): Record<string, unknown> {
    const s: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
    };
    if (this.details) s.details = this.details;
    s.code = this.code;
    return s;
  }
}

/** "pods" or "deployments.apps": how upstream names a resource in messages. */
export function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(resource: string, group: string, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { name, group: group || undefined, kind: resource });
}

export function alreadyExists(resource: string, group: string, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, { name, group: group || undefined, kind: resource });
}

export function conflict(resource: string, group: string, name: string, why: string): StatusError {
  return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export const MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

/** The etcd key upstream stores an object under (nodes are still "minions" there). */
export function storageKey(resource: string, namespace: string | undefined, name: string): string {
  const r = resource === 'nodes' ? 'minions' : resource;
  return namespace ? `/registry/${r}/${namespace}/${name}` : `/registry/${r}/${name}`;
}

/**
 * A failed DELETE precondition. Upstream wraps the storage layer's InvalidObjError in a Conflict,
 * so the StorageError text shows through verbatim.
 */
export function preconditionFailed(
  resource: string,
  group: string,
  namespace: string | undefined,
  name: string,
  field: 'UID' | 'ResourceVersion',
  want: string,
  have: string,
): StatusError {
  const key = storageKey(resource, namespace, name);
  return conflict(
    resource,
    group,
    name,
    `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: ${field} in precondition: ${want}, ${field} in object meta: ${have}`,
  );
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

export function invalid(kind: string, group: string, name: string, causes: Array<{ field: string; message: string; reason?: string }>): StatusError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new StatusError(422, 'Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${causes.length > 1 ? '[' + text + ']' : text}`, {
    name,
    group: group || undefined,
    kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

export function unauthorized(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotSupported(resource: string, verb: string): StatusError {
  return new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`, { kind: resource });
}
