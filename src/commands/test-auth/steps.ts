/**
 * The steps of test-auth, each a function of a KubeApi → a Step. diagnose reuses them for its
 * token-authenticates and RBAC checks, so they take only what they need and never throw: every
 * outcome, network failures included, is a Step.
 *
 * HTTP statuses: the typed calls do not expose the status of a success, so it is the API server's
 * documented one (201 Created for the review creates, 200 OK for a list).
 */
import type { V1UserInfo } from '@kubernetes/client-node';
import type { TokenInspection } from '../../jwt/types.js';
import { ApiError, ConnectionError } from '../../kube/errors.js';
import type { AccessAttributes, KubeApi } from '../../kube/types.js';
import type { Step, StepEvidence, StepId, UserInfo } from './types.js';

const CREATED = 201;
const OK = 200;

/** Step 1: what the token says about itself — local findings and, when keys were given, the signature. */
export function decodeStep(inspection: TokenInspection): Step {
  const t = inspection.token;
  const errors = inspection.findings.filter((f) => f.severity === 'error');
  const warnings = inspection.findings.filter((f) => f.severity === 'warning');
  const who =
    t.type === 'external'
      ? `external token (issuer ${t.issuer ?? 'none'})`
      : `${t.type} token for serviceaccount ${t.namespace ?? '?'}/${t.serviceAccount?.name ?? '?'}`;
  const sig = inspection.verification.status === 'not-checked' ? '' : `; signature ${inspection.verification.status}`;
  const problems = errors.length > 0 ? `: ${errors.map((f) => f.id).join(', ')}` : warnings.length > 0 ? ` (${warnings.map((f) => f.id).join(', ')})` : '';
  return {
    id: 'decode',
    status: errors.length > 0 ? 'fail' : 'pass',
    httpStatus: null,
    message: `${who}${sig}${problems}`,
    evidence: { findings: inspection.findings.map((f) => f.id), verification: inspection.verification.reason },
  };
}

/**
 * Step 2: a TokenReview as the caller (needs `create tokenreviews`, e.g. ClusterRole
 * system:auth-delegator). Its status.error is the API server's own reason for a 401, verbatim.
 * `audiences` empty = the API server's audiences.
 */
export async function reviewToken(api: KubeApi, token: string, audiences: string[] = []): Promise<Step> {
  try {
    const review = await api.createTokenReview(token, audiences.length > 0 ? audiences : undefined);
    const st = review.status ?? {};
    if (st.authenticated) {
      const user = userInfo(st.user);
      return step('tokenreview', 'pass', CREATED, `authenticated as ${user.username}${audienceText(st.audiences)}`, { user, audiences: st.audiences ?? [] });
    }
    const error = st.error ?? '';
    return step('tokenreview', 'fail', CREATED, error !== '' ? error : 'not authenticated (the API server gave no reason)', { error });
  } catch (e) {
    if (e instanceof ApiError && e.code === 403) {
      return step('tokenreview', 'skip', 403, 'skipped: you may not create tokenreviews (needs e.g. ClusterRole system:auth-delegator), so the API server\'s reason for a 401 is not known', {});
    }
    if (e instanceof ApiError && e.code === 404) return step('tokenreview', 'skip', 404, 'skipped: this API server serves no TokenReview API', {});
    return failure('tokenreview', e, 'the TokenReview');
  }
}

/** Step 3: the token calls the API itself (`kubectl auth whoami`): every authenticated user may. */
export async function whoAmI(apiAsToken: KubeApi): Promise<Step> {
  try {
    const r = await apiAsToken.createSelfSubjectReview();
    const user = userInfo(r.status?.userInfo);
    return step('selfsubjectreview', 'pass', CREATED, `the API server authenticates the token as ${user.username}`, { user });
  } catch (e) {
    if (e instanceof ApiError && e.code === 401) return step('selfsubjectreview', 'fail', 401, '401 Unauthorized: the API server rejects the token', {});
    if (e instanceof ApiError && e.code === 403) {
      return step('selfsubjectreview', 'pass', 403, 'authenticated (403: it may not call selfsubjectreviews, which RBAC normally allows everyone)', {});
    }
    if (e instanceof ApiError && e.code === 404) return step('selfsubjectreview', 'skip', 404, 'skipped: no SelfSubjectReview API (Kubernetes before 1.28)', {});
    return failure('selfsubjectreview', e, 'the SelfSubjectReview');
  }
}

/** Step 4: the guide's request as the token — list pods in its namespace: 200, 401 or 403. */
export async function tryListPods(apiAsToken: KubeApi, namespace: string): Promise<Step> {
  const what = `list pods in namespace ${namespace}`;
  const attributes = { namespace, verb: 'list', resource: 'pods' };
  try {
    await apiAsToken.listPods(namespace, { limit: 1, singlePage: true });
    return step('api-request', 'pass', OK, `${what}: 200 OK`, { attributes, allowed: true });
  } catch (e) {
    if (e instanceof ApiError && e.code === 401) return step('api-request', 'fail', 401, `${what}: 401 Unauthorized (the token is not accepted)`, { attributes });
    if (e instanceof ApiError && e.code === 403) {
      return step('api-request', 'fail', 403, `${what}: 403 Forbidden (the token is accepted; RBAC refuses): ${e.serverMessage}`, { attributes, allowed: false });
    }
    return failure('api-request', e, what);
  }
}

/** Step 5: may the token do this? A SelfSubjectAccessReview as the token (`kubectl auth can-i`). */
export async function accessReview(apiAsToken: KubeApi, attrs: AccessAttributes): Promise<Step> {
  const what = describeAccess(attrs);
  const attributes = { ...attrs };
  try {
    const r = await apiAsToken.createSelfSubjectAccessReview(attrs);
    const st = r.status;
    if (st?.allowed) return step('access-review', 'pass', CREATED, `may ${what}`, { attributes, allowed: true });
    const why = st?.evaluationError || st?.reason;
    return step('access-review', 'fail', CREATED, `may not ${what}${why ? ` (${why})` : ''}`, { attributes, allowed: false });
  } catch (e) {
    if (e instanceof ApiError && e.code === 401) return step('access-review', 'fail', 401, `${what}: 401 Unauthorized (the token is not accepted)`, { attributes });
    return failure('access-review', e, `the access review for ${what}`);
  }
}

/** `list pods in namespace shop`, `get deployments.apps/scale in namespace shop`. */
export function describeAccess(a: AccessAttributes): string {
  const resource = `${a.resource}${a.group ? `.${a.group}` : ''}${a.subresource ? `/${a.subresource}` : ''}`;
  return `${a.verb} ${resource}${a.name ? ` "${a.name}"` : ''}${a.namespace ? ` in namespace ${a.namespace}` : ' cluster-wide'}`;
}

/** A TLS failure is told apart from a network one: the fixes differ (CA data vs address/firewall). */
export function connectionKind(cause: string): 'network' | 'tls' {
  return /certificate|x509|tls|ssl|HTTP response to HTTPS/i.test(cause) ? 'tls' : 'network';
}

function failure(id: StepId, e: unknown, what: string): Step {
  if (e instanceof ConnectionError) {
    const kind = connectionKind(e.cause_);
    return step(id, 'error', null, `could not reach ${e.where} (${kind === 'tls' ? 'TLS' : 'network'}: ${e.cause_})`, {
      connection: { kind, server: e.server, cause: e.cause_ },
    });
  }
  if (e instanceof ApiError) return step(id, 'error', e.code, `${what} failed: ${e.code} ${e.reason}${e.serverMessage ? `: ${e.serverMessage}` : ''}`, {});
  return step(id, 'error', null, `${what} failed: ${(e as Error)?.message ?? String(e)}`, {});
}

function step(id: StepId, status: Step['status'], httpStatus: number | null, message: string, evidence: StepEvidence): Step {
  return { id, status, httpStatus, message, evidence };
}

function userInfo(u: V1UserInfo | undefined): UserInfo {
  return { username: u?.username ?? '', uid: u?.uid ?? null, groups: u?.groups ?? [], extra: u?.extra ?? {} };
}

function audienceText(auds: string[] | undefined): string {
  return auds && auds.length > 0 ? ` for audiences ${auds.map((a) => `"${a}"`).join(', ')}` : '';
}
