/**
 * POST /apis/authentication.k8s.io/v1/tokenreviews (pkg/registry/authentication/tokenreview/storage.go).
 * The caller (the platform) has already authorized `create tokenreviews`.
 * - empty spec.token → 400 `token is required for TokenReview in authentication`;
 * - target audiences = spec.audiences, or the API audiences;
 * - status.authenticated, status.error (the aggregate, verbatim), and on success status.user (extra
 *   as lists) and status.audiences. The response echoes the request (spec.token included), as upstream.
 */
import type { EmulatorHost } from '../host';
import { authenticateBearer, type AuthResult, type UserInfo } from './authenticate';
import { apiAudiencesOf } from './token-request';
import { badRequestStatus, type StatusObject } from './status';

export interface TokenReviewBody {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  spec?: { token?: string; audiences?: string[] | null };
}

export interface TokenReviewObject {
  kind: 'TokenReview';
  apiVersion: 'authentication.k8s.io/v1';
  metadata: Record<string, unknown>;
  spec: { token: string; audiences?: string[] };
  status: { authenticated?: boolean; user: Partial<UserInfo>; audiences?: string[]; error?: string };
}

export type TokenReviewResult =
  | { ok: true; tokenReview: TokenReviewObject; auth: AuthResult }
  | { ok: false; status: StatusObject };

export function reviewToken(host: EmulatorHost, body: TokenReviewBody): TokenReviewResult {
  const token = body.spec?.token ?? '';
  if (token.length === 0) return { ok: false, status: badRequestStatus('token is required for TokenReview in authentication') };
  const specAudiences = body.spec?.audiences ?? undefined;
  const targets = specAudiences && specAudiences.length > 0 ? specAudiences : apiAudiencesOf(host);
  const auth = authenticateBearer(token, host, { audiences: targets });
  const status: TokenReviewObject['status'] = { user: {} };
  if (auth.ok) {
    status.authenticated = true;
    status.user = auth.user;
    status.audiences = auth.audiences;
  } else {
    status.error = auth.error;
  }
  const spec: TokenReviewObject['spec'] = { token };
  if (specAudiences && specAudiences.length > 0) spec.audiences = [...specAudiences];
  return {
    ok: true,
    auth,
    tokenReview: {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null, ...(body.metadata ?? {}) },
      spec,
      status,
    },
  };
}
