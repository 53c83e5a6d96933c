/**
 * The verdict the steps add up to, told as the seed guide tells it: 401 is the token, 403 is RBAC.
 *
 * - error: a step could not reach the API server (network or TLS) — not a token problem.
 * - unauthenticated: the TokenReview refused the token for the audiences asked about, or the API
 *   answered the token itself with 401. The reason is the TokenReview's status.error, else the
 *   first local finding that explains a 401.
 * - forbidden: the token is accepted but RBAC refuses what was asked: each `--can`, or when none was
 *   given the guide's own request (list pods in the token's namespace).
 * - authenticated: otherwise.
 */
import type { Finding, TokenInspection } from '../../jwt/types.js';
import type { AccessAttributes } from '../../kube/types.js';
import { fixForReason, rbacFix, type FixContext } from './fixes.js';
import { describeAccess } from './steps.js';
import type { AuthTest, Step, UserInfo, Verdict } from './types.js';

export interface VerdictInput {
  steps: Step[];
  inspection: TokenInspection | null;
  /** --audience given: the TokenReview judged the token for these, not for the API server. */
  audiences: string[];
  /** --can given: those questions decide `forbidden`, instead of the guide's list pods. */
  canAsked: boolean;
  fix: FixContext;
}

/** A TokenReview error that says more than "invalid bearer token" (the loopback authenticator's catch-all). */
const isSpecific = (reason: string) => reason.trim() !== '' && !/^\[?invalid bearer token\]?$/.test(reason.trim());

export type Judgement = Pick<AuthTest, 'verdict' | 'reason' | 'fix' | 'user'>;

export function judgeSteps(input: VerdictInput): Judgement {
  const { steps } = input;
  const find = (id: Step['id']) => steps.find((s) => s.id === id);
  const review = find('tokenreview');
  const whoami = find('selfsubjectreview');
  const request = find('api-request');
  const access = steps.filter((s) => s.id === 'access-review');
  const user = review?.evidence.user ?? whoami?.evidence.user ?? null;

  const unreachable = steps.find((s) => s.evidence.connection);
  if (unreachable) {
    const c = unreachable.evidence.connection!;
    return {
      verdict: 'error',
      reason: `could not reach the API server at ${c.server}: ${c.cause} — a ${c.kind === 'tls' ? 'TLS' : 'network'} problem, not a token problem`,
      fix: c.kind === 'tls'
        ? 'check the kubeconfig\'s server address and certificate-authority-data against the API server\'s certificate'
        : 'check that the API server is up and reachable from here (address, port, firewall, proxy)',
      user: null,
    };
  }

  const apiAccepted = whoami?.status === 'pass' || request?.httpStatus === 200 || request?.httpStatus === 403 || access.some((s) => s.httpStatus === 201);
  const apiRefused = whoami?.httpStatus === 401 || request?.httpStatus === 401;

  if (review?.status === 'fail') {
    const reason = review.evidence.error || review.message;
    // `invalid bearer token` alone: no authenticator claimed the token — the issuer pre-check missed.
    const finding = explainingFinding(input.inspection, 'issuer-mismatch');
    if (!isSpecific(reason) && finding) {
      return unauthenticated(`the API server refuses the token (${reason || 'no reason given'}); the token itself says why: ${finding.message}`, finding.fix, user);
    }
    return unauthenticated(`the API server refuses the token: ${reason}`, fixForReason(reason, input.fix), user);
  }
  if (review?.status === 'pass' && apiRefused && !apiAccepted) {
    // Accepted for the audiences asked about (e.g. Vault's), but those are not the API server's.
    const auds = (review.evidence.audiences ?? input.audiences).map((a) => `"${a}"`).join(', ');
    return {
      verdict: 'authenticated',
      reason: `the token authenticates for ${auds}, but the Kubernetes API answers it with 401: those are not the API server's audiences, so it cannot call the Kubernetes API`,
      fix: null,
      user,
    };
  }
  if (review?.status === 'pass' || apiAccepted) {
    const name = user?.username || 'the token\'s user';
    const denied = input.canAsked
      ? access.filter((s) => s.evidence.allowed === false)
      : request?.httpStatus === 403 ? [request] : [];
    if (denied.length > 0) {
      const attrs = denied.map((s) => s.evidence.attributes as AccessAttributes);
      return {
        verdict: 'forbidden',
        reason: `the token authenticates as ${name}, but RBAC refuses: ${attrs.map(describeAccess).join('; ')} (403 is a permission problem, not a token problem)`,
        fix: rbacFix(name, attrs),
        user,
      };
    }
    const allowed = input.canAsked
      ? access.filter((s) => s.evidence.allowed).map((s) => describeAccess(s.evidence.attributes as AccessAttributes))
      : request?.httpStatus === 200 ? [describeAccess(request.evidence.attributes as AccessAttributes)] : [];
    return {
      verdict: 'authenticated',
      reason: `the token authenticates as ${name}${allowed.length > 0 ? `; it may ${allowed.join('; ')}` : ''}`,
      fix: null,
      user,
    };
  }
  if (apiRefused) {
    const finding = explainingFinding(input.inspection);
    if (finding) return unauthenticated(`401 Unauthorized; the token itself says why: ${finding.message}`, finding.fix, user);
    return unauthenticated(
      '401 Unauthorized: the API server rejects the token and tells the client no reason (allow yourself `create tokenreviews`, e.g. ClusterRole system:auth-delegator, and test-auth shows the API server\'s own reason)',
      fixForReason('', input.fix),
      user,
    );
  }
  const failed = steps.filter((s) => s.status === 'error').map((s) => `${s.id}: ${s.message}`);
  return {
    verdict: 'error',
    reason: `the API server gave no answer that decides: ${failed.length > 0 ? failed.join('; ') : 'every step was skipped'}`,
    fix: null,
    user,
  };
}

function unauthenticated(reason: string, fix: string, user: UserInfo | null): Judgement {
  return { verdict: 'unauthenticated' satisfies Verdict, reason, fix, user };
}

/** The local finding that best explains a 401: `prefer` if present, else the first error (the API server's order). */
function explainingFinding(inspection: TokenInspection | null, prefer?: Finding['id']): Finding | undefined {
  const errors = inspection?.findings.filter((f) => f.severity === 'error') ?? [];
  return errors.find((f) => f.id === prefer) ?? errors[0];
}
