/** The JWT core's data shapes. Plain JSON-able objects: they are what `-o json` prints. */

/** A JOSE header as found in the token; `alg` is required, the rest optional. */
export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [param: string]: unknown;
}

/** The private claim of a bound token, `kubernetes.io` (pkg/serviceaccount/claims.go). */
export interface KubernetesClaim {
  namespace?: string;
  serviceaccount?: ObjectRefClaim;
  pod?: ObjectRefClaim;
  secret?: ObjectRefClaim;
  node?: ObjectRefClaim;
  /** NumericDate after which a still-valid (extended) token is audited as stale. */
  warnafter?: number;
  [key: string]: unknown;
}

export interface ObjectRefClaim {
  name?: string;
  uid?: string;
}

/** The payload, with the registered and Kubernetes claims typed (checked by parse). */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  'kubernetes.io'?: KubernetesClaim;
  [claim: string]: unknown;
}

/** A token split and decoded; the signature stays inside and is never rendered. */
export interface ParsedToken {
  header: JwtHeader;
  claims: JwtClaims;
  /** The compact serialisation with whitespace and any `Bearer ` prefix removed. */
  compact: string;
}

/**
 * bound: a TokenRequest / projected token (private claim `kubernetes.io`);
 * legacy: a Secret-based token (issuer `kubernetes/serviceaccount`, never expires);
 * external: anything else (OIDC id_token, cloud token) — decoded, but no Kubernetes claims made.
 */
export type TokenType = 'bound' | 'legacy' | 'external';

export interface NameUid {
  name: string | null;
  uid: string | null;
}

/** The object whose deletion invalidates the token. */
export interface BoundObject {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string | null;
  /** null for a legacy token, which names its Secret but not the Secret's uid. */
  uid: string | null;
}

/** What the token says about Kubernetes identities and times; absent values are null. */
export interface KubernetesView {
  type: TokenType;
  issuer: string | null;
  subject: string | null;
  namespace: string | null;
  /** null for an external token. */
  serviceAccount: NameUid | null;
  /** `aud` as a list; empty when the token has none (legacy). */
  audiences: string[];
  /** RFC 3339 UTC, whole seconds. */
  issuedAt: string | null;
  notBefore: string | null;
  expiresAt: string | null;
  /** exp − now in whole seconds; negative once expired; null without exp. */
  expiresInSeconds: number | null;
  /** Pod, Secret or Node for a bound token; the Secret for a legacy token; else null. */
  boundObject: BoundObject | null;
  /** The node of a pod-bound (or node-bound) token, GA 1.32. */
  node: NameUid | null;
  warnAfter: string | null;
  jti: string | null;
}

export type Severity = 'error' | 'warning' | 'info';

export type FindingId =
  | 'token-expired'
  | 'token-not-yet-valid'
  | 'token-legacy'
  | 'token-stale'
  | 'audience-mismatch'
  | 'issuer-mismatch'
  | 'subject-malformed'
  | 'claims-missing'
  | 'signature-invalid'
  /** A token for a third party (IRSA, Pod Identity, Azure, Vault, Istio, Linkerd): info, not a fault. */
  | 'third-party-token';

/** One judgement on the token; `error` means kube-apiserver (or the stated verifier) rejects it. */
export interface Finding {
  id: FindingId;
  severity: Severity;
  message: string;
  /** The next step, with commands filled in where the token names namespace and ServiceAccount. */
  fix: string;
}

export type VerificationStatus = 'verified' | 'invalid' | 'not-checked';

export interface Verification {
  status: VerificationStatus;
  /** Why: which key verified it, or the unknown kid, bad signature, unsupported alg. */
  reason: string;
  /** The kid of the key that verified the signature; null otherwise. */
  kid: string | null;
}

/** One JSON Web Key as the issuer publishes it (RSA or EC public keys). */
export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  [param: string]: unknown;
}

export interface Jwks {
  keys: Jwk[];
}

/** The result of `decode` (and the token part of test-auth / diagnose): `-o json` prints it as is. */
export interface TokenInspection {
  kind: 'TokenInspection';
  /** Where the token came from, e.g. `argument`, `file token.jwt`, `pod default/web:/var/run/…`. */
  source: string;
  /** The whole token: present only when the user asked for it (`--show-token`). */
  rawToken?: string;
  header: JwtHeader;
  claims: JwtClaims;
  token: KubernetesView;
  verification: Verification;
  /** The third party the token is for, when its audience names a known one (src/jwt/third-party.ts). */
  thirdParty?: { id: string; name: string; purpose: string };
  findings: Finding[];
}
