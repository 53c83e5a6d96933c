/** test-auth's result: each step the token went through, and the verdict they add up to. */

export type StepId = 'decode' | 'tokenreview' | 'selfsubjectreview' | 'api-request' | 'access-review';

/** pass/fail: the step answered; skip: it could not be asked (and says why); error: no answer (network, TLS, 5xx). */
export type StepStatus = 'pass' | 'fail' | 'skip' | 'error';

/** Who the API server says the token is (TokenReview status.user, SelfSubjectReview status.userInfo). */
export interface UserInfo {
  username: string;
  uid: string | null;
  groups: string[];
  extra: Record<string, string[]>;
}

/** Facts a step established, for the verdict and for `-o json`. Never the token. */
export interface StepEvidence {
  user?: UserInfo;
  /** TokenReview status.audiences: the audiences the token was accepted for. */
  audiences?: string[];
  /** TokenReview status.error, verbatim: the API server's reason for a 401. */
  error?: string;
  /** access-review: what was asked and the answer. */
  attributes?: { namespace?: string; verb: string; group?: string; resource: string; subresource?: string };
  allowed?: boolean;
  /** The network or TLS cause when the API server could not be reached. */
  connection?: { kind: 'network' | 'tls'; server: string; cause: string };
  /** decode: the local findings' ids and the signature check. */
  findings?: string[];
  verification?: string;
}

export interface Step {
  id: StepId;
  status: StepStatus;
  /** The HTTP status the API server answered; null for a local step or no answer. */
  httpStatus: number | null;
  message: string;
  evidence: StepEvidence;
}

/**
 * authenticated: the token is accepted (and may do what was asked);
 * forbidden: accepted, but RBAC refuses what was asked — a RoleBinding problem, not a token problem;
 * unauthenticated: refused (401) — a token problem;
 * error: the API server could not be asked (network or TLS).
 */
export type Verdict = 'authenticated' | 'forbidden' | 'unauthenticated' | 'error';

export interface AuthTest {
  kind: 'AuthTest';
  verdict: Verdict;
  reason: string;
  /** The next step (commands filled in), or null when nothing needs fixing. */
  fix: string | null;
  /** Where the token came from, e.g. `pod shop/web-0:/var/run/…/token`. */
  source: string;
  user: UserInfo | null;
  steps: Step[];
}
