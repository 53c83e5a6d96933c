/**
 * metav1.Status error objects in the API server's own words (apimachinery/pkg/api/errors).
 * A's REST layer may use these for its own errors too.
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

function status(code: number, reason: string, message: string, details?: StatusDetails): StatusObject {
  const s: StatusObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) {
    // Go omits empty fields of StatusDetails.
    const d: StatusDetails = {};
    if (details.name) d.name = details.name;
    if (details.group) d.group = details.group;
    if (details.kind) d.kind = details.kind;
    if (details.uid) d.uid = details.uid;
    if (details.causes?.length) d.causes = details.causes;
    s.details = d;
  }
  // Field order as the API server writes it: details before code.
  return { kind: s.kind, apiVersion: s.apiVersion, metadata: s.metadata, status: s.status, message: s.message, reason: s.reason, ...(s.details ? { details: s.details } : {}), code: s.code };
}

/** `pods "x" not found`; resource is the plural (qualified by group when not core). */
export function notFoundStatus(resource: string, name: string, group = ''): StatusObject {
  const qualified = group ? `${resource}.${group}` : resource;
  return status(404, 'NotFound', `${qualified} ${JSON.stringify(name)} not found`, { name, group, kind: resource });
}

export function badRequestStatus(message: string): StatusObject {
  return status(400, 'BadRequest', message);
}

/** errors.NewConflict; `resource` is whatever the caller passes (TokenRequest passes the Kind). */
export function conflictStatus(resource: string, name: string, message: string, group = ''): StatusObject {
  const qualified = group ? `${resource}.${group}` : resource;
  return status(409, 'Conflict', `Operation cannot be fulfilled on ${qualified} ${JSON.stringify(name)}: ${message}`, { name, group, kind: resource });
}

export interface FieldError {
  field: string;
  /** Go-formatted bad value (numbers plain, strings quoted). */
  value: string;
  detail: string;
}

/** errors.NewInvalid with field.Invalid errors. */
export function invalidStatus(kind: string, group: string, name: string, errors: FieldError[]): StatusObject {
  const bodies = errors.map((e) => `Invalid value: ${e.value}: ${e.detail}`);
  const agg = errors.map((e, i) => `${e.field}: ${bodies[i]}`);
  const aggText = agg.length === 1 ? agg[0] : `[${agg.join(', ')}]`;
  const qualified = group ? `${kind}.${group}` : kind;
  return status(422, 'Invalid', `${qualified} ${JSON.stringify(name)} is invalid: ${aggText}`, {
    name,
    group,
    kind,
    causes: errors.map((e, i) => ({ reason: 'FieldValueInvalid', message: bodies[i], field: e.field })),
  });
}

export function internalErrorStatus(message: string): StatusObject {
  return status(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}
