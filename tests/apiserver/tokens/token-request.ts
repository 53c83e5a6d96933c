/**
 * POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token — the TokenRequest subresource, in the
 * order of pkg/registry/core/serviceaccount/storage/token.go (1.32):
 *   body name/namespace must match the URL (422) → ServiceAccount lookup (404) → default audiences
 *   (API audiences) → validation (422: < 600 s, > 2^32 s) → bound object (Pod: same SA or 400, its
 *   Node looked up for the node claim; Node; Secret; other kinds 400; 404 when missing; uid mismatch
 *   409) → --service-account-max-token-expiration shortening (warning header) → extension (pod-bound,
 *   exactly 3607 s, audiences ⊆ API audiences: exp +1 year, warnafter +3607 s) → sign.
 * status.expirationTimestamp is always now + spec.expirationSeconds (never the extended exp).
 * Authorization (create serviceaccounts/token) is the platform's job, before this is called.
 */
import type { EmulatorHost, Node, Pod, Secret } from '../host';
import { EXPIRATION_EXTENSION_SECONDS, WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, issueBoundToken, type BoundClaims } from './issue';
import { badRequestStatus, conflictStatus, invalidStatus, notFoundStatus, type FieldError, type StatusObject } from './status';

export const DEFAULT_EXPIRATION_SECONDS = 3600;
export const MIN_EXPIRATION_SECONDS = 600;
export const MAX_EXPIRATION_SECONDS = 2 ** 32;
export const ISSUED_CREDENTIAL_ID_ANNOTATION = 'authentication.kubernetes.io/issued-credential-id';

export interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

/** The request body as the JSON API (or the protobuf decoder) delivers it. */
export interface TokenRequestBody {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [k: string]: unknown };
  spec?: {
    audiences?: string[] | null;
    /** Absent/null = defaulted to 3600; an explicit 0 is invalid as upstream. */
    expirationSeconds?: number | null;
    boundObjectRef?: BoundObjectReference | null;
  };
}

/** The authentication.k8s.io/v1 TokenRequest the API answers with. */
export interface TokenRequestObject {
  kind: 'TokenRequest';
  apiVersion: 'authentication.k8s.io/v1';
  metadata: { name: string; namespace: string; uid: string; creationTimestamp: string };
  spec: { audiences: string[]; expirationSeconds: number; boundObjectRef: BoundObjectReference | null };
  status: { token: string; expirationTimestamp: string };
}

export type TokenRequestResult =
  | {
      ok: true;
      tokenRequest: TokenRequestObject;
      /** Warning header texts (e.g. the shortened-expiration warning). */
      warnings: string[];
      auditAnnotations: Record<string, string>;
      claims: BoundClaims;
    }
  | { ok: false; status: StatusObject };

export interface TokenRequestOptions {
  newUUID?: () => string;
}

/** metav1.Time JSON: RFC 3339, whole seconds, UTC. */
export function rfc3339(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function apiAudiencesOf(host: EmulatorHost): string[] {
  return host.options.apiAudiences.length > 0 ? host.options.apiAudiences : [host.options.issuers[0]!];
}

const GROUP = 'authentication.k8s.io';

export function createTokenRequest(
  host: EmulatorHost,
  namespace: string,
  name: string,
  body: TokenRequestBody,
  opts: TokenRequestOptions = {},
): TokenRequestResult {
  const reqName = body.metadata?.name ?? '';
  const reqNamespace = body.metadata?.namespace ?? '';
  if (reqName && reqName !== name) {
    return fail(invalidStatus('TokenRequest', GROUP, name, [{ field: 'metadata.name', value: JSON.stringify(reqName), detail: 'must match the service account name if specified' }]));
  }
  if (reqNamespace && reqNamespace !== namespace) {
    return fail(invalidStatus('TokenRequest', GROUP, name, [{ field: 'metadata.namespace', value: JSON.stringify(reqNamespace), detail: 'must match the service account namespace if specified' }]));
  }
  const sa = host.getServiceAccount(namespace, name);
  if (!sa) return fail(notFoundStatus('serviceaccounts', name));
  // The answer carries the ServiceAccount's uid; a request naming another is refused
  // (TokenRequestServiceAccountUIDValidation, beta and on since 1.34; k/k
  // pkg/registry/core/serviceaccount/storage/token.go Create).
  const reqUid = typeof body.metadata?.uid === 'string' ? body.metadata.uid : '';
  if (reqUid && reqUid !== sa.metadata.uid) {
    return fail(conflictStatus('TokenRequest', name, `the UID in the token request (${reqUid}) does not match the UID of the service account (${sa.metadata.uid})`, GROUP));
  }

  const apiAudiences = apiAudiencesOf(host);
  const spec = body.spec ?? {};
  const audiences = spec.audiences && spec.audiences.length > 0 ? [...spec.audiences] : [...apiAudiences];
  let expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  const nowTime = host.now();

  const fieldErrors: FieldError[] = [];
  if (expirationSeconds < MIN_EXPIRATION_SECONDS) {
    fieldErrors.push({ field: 'spec.expirationSeconds', value: String(expirationSeconds), detail: 'may not specify a duration less than 10 minutes' });
  }
  if (expirationSeconds > MAX_EXPIRATION_SECONDS) {
    fieldErrors.push({ field: 'spec.expirationSeconds', value: String(expirationSeconds), detail: 'may not specify a duration larger than 2^32 seconds' });
  }
  if (fieldErrors.length > 0) return fail(invalidStatus('TokenRequest', GROUP, '', fieldErrors));

  let pod: Pod | undefined;
  let secret: Secret | undefined;
  let node: Node | { metadata: { name: string; uid?: string } } | undefined;
  const ref = spec.boundObjectRef ?? undefined;
  if (ref) {
    const [group, version] = splitApiVersion(ref.apiVersion ?? '');
    const kind = ref.kind ?? '';
    const refName = ref.name ?? '';
    let uid: string;
    if (group === '' && kind === 'Pod') {
      pod = host.getPod(namespace, refName);
      if (!pod) return fail(notFoundStatus('pods', refName));
      if (name !== (pod.spec.serviceAccountName ?? '')) {
        return fail(badRequestStatus(`cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with different serviceaccount name.`));
      }
      uid = pod.metadata.uid;
      const nodeName = pod.spec.nodeName;
      if (nodeName) node = host.getNode(nodeName) ?? { metadata: { name: nodeName } };
    } else if (group === '' && kind === 'Node') {
      node = host.getNode(refName);
      if (!node) return fail(notFoundStatus('nodes', refName));
      uid = node.metadata.uid ?? '';
    } else if (group === '' && kind === 'Secret') {
      secret = host.getSecret(namespace, refName);
      if (!secret) return fail(notFoundStatus('secrets', refName));
      uid = secret.metadata.uid;
    } else {
      return fail(badRequestStatus(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`));
    }
    if (ref.uid && uid !== ref.uid) {
      return fail(
        conflictStatus(kind, refName, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`),
      );
    }
  }

  const warnings: string[] = [];
  const max = host.options.maxTokenExpirationSeconds;
  if (max && max > 0 && expirationSeconds > max) {
    warnings.push(`requested expiration of ${expirationSeconds} seconds shortened to ${max} seconds`);
    expirationSeconds = max;
  }

  let warnAfter = 0;
  let exp = expirationSeconds;
  if (
    host.options.extendTokenExpiration &&
    pod &&
    expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS &&
    audiences.every((a) => apiAudiences.includes(a))
  ) {
    warnAfter = exp;
    exp = EXPIRATION_EXTENSION_SECONDS;
  }

  const { token, claims } = issueBoundToken(host.keys, {
    issuer: host.options.issuers[0]!,
    serviceAccount: sa,
    audiences,
    expirationSeconds: exp,
    warnAfterSeconds: warnAfter,
    pod,
    secret,
    node,
    now: nowTime,
    newUUID: opts.newUUID,
  });
  const tokenRequest: TokenRequestObject = {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: sa.metadata.name, namespace: sa.metadata.namespace ?? namespace, uid: sa.metadata.uid, creationTimestamp: rfc3339(nowTime) },
    spec: { audiences, expirationSeconds, boundObjectRef: ref ? { ...ref } : null },
    status: { token, expirationTimestamp: rfc3339(new Date(nowTime.getTime() + expirationSeconds * 1000)) },
  };
  return { ok: true, tokenRequest, warnings, auditAnnotations: { [ISSUED_CREDENTIAL_ID_ANNOTATION]: `JTI=${claims.jti}` }, claims };
}

function fail(status: StatusObject): TokenRequestResult {
  return { ok: false, status };
}

/** schema.ParseGroupVersion as FromAPIVersionAndKind uses it: "v1" → ["", "v1"], "apps/v1" → ["apps", "v1"]. */
function splitApiVersion(apiVersion: string): [string, string] {
  const i = apiVersion.indexOf('/');
  return i < 0 ? ['', apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}
