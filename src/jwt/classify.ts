/**
 * Which kind of token this is, the way kube-apiserver routes it (KUBERNETES.md §1):
 * the legacy authenticator takes exactly the issuer `kubernetes/serviceaccount`
 * (pkg/serviceaccount/legacy.go); the bound one reads the private claim `kubernetes.io`
 * (claims.go). Anything else is some other issuer's token.
 */
import type { JwtClaims, TokenType } from './types.js';

export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

export function classify(claims: JwtClaims): TokenType {
  if (claims.iss === LEGACY_ISSUER) return 'legacy';
  if (claims['kubernetes.io'] !== undefined) return 'bound';
  return 'external';
}
