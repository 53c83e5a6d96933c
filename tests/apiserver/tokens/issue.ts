/**
 * Minting tokens exactly as kube-apiserver does.
 * - Bound tokens: pkg/serviceaccount/claims.go `Claims()` + jwt.go `GenerateToken` (iss added last).
 * - Legacy tokens: pkg/serviceaccount/legacy.go `LegacyClaims()` with the legacy issuer, as the token
 *   controller writes them into `kubernetes.io/service-account-token` Secrets.
 * NumericDates are whole seconds (go-jose truncates), claims are serialised in sorted key order.
 */
import { randomUUID } from 'node:crypto';
import type { KeySet, Node, Pod, Secret, ServiceAccount } from '../host';

/** WarnOnlyBoundTokenExpirationSeconds: the kubelet's default projected-token lifetime. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
/** ExpirationExtensionSeconds: one year (24 * 365 h). */
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

export interface ObjectRef {
  name: string;
  uid: string;
}

/** The `kubernetes.io` private claim. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  /** For Node-bound tokens, or pod-bound tokens of a scheduled pod (uid may be absent if the Node is gone). */
  node?: { name: string; uid?: string };
  warnafter?: number;
}

export interface BoundClaims {
  iss: string;
  sub: string;
  aud: string[];
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  'kubernetes.io': KubernetesClaim;
}

export interface LegacyClaims {
  iss: typeof LEGACY_ISSUER;
  sub: string;
  'kubernetes.io/serviceaccount/namespace': string;
  'kubernetes.io/serviceaccount/secret.name': string;
  'kubernetes.io/serviceaccount/service-account.name': string;
  'kubernetes.io/serviceaccount/service-account.uid': string;
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

export interface BoundTokenInput {
  issuer: string;
  serviceAccount: ServiceAccount;
  audiences: string[];
  /** Lifetime written into exp (already extended when extension applies). */
  expirationSeconds: number;
  /** 0/undefined = no warnafter claim. */
  warnAfterSeconds?: number;
  /** At most one of pod / secret; node may accompany a pod (its node) or stand alone (Node-bound). */
  pod?: Pod;
  secret?: Secret;
  /** A Node object, or just the name when the pod's Node object does not exist. */
  node?: Node | { metadata: { name: string; uid?: string } };
  now: Date;
  /** Injected for deterministic tests; default crypto.randomUUID. */
  newUUID?: () => string;
}

export function boundClaims(input: BoundTokenInput): BoundClaims {
  const sa = input.serviceAccount.metadata;
  const ns = sa.namespace ?? '';
  if (input.secret && (input.pod || input.node)) {
    throw new Error('internal error, token can only be bound to one object type');
  }
  const nowSec = Math.floor(input.now.getTime() / 1000);
  const k8s: KubernetesClaim = { namespace: ns, serviceaccount: { name: sa.name, uid: sa.uid } };
  if (input.pod) {
    k8s.pod = { name: input.pod.metadata.name, uid: input.pod.metadata.uid };
    if (input.node) k8s.node = nodeRef(input.node);
  } else if (input.secret) {
    k8s.secret = { name: input.secret.metadata.name, uid: input.secret.metadata.uid };
  } else if (input.node) {
    k8s.node = nodeRef(input.node);
  }
  if (input.warnAfterSeconds) k8s.warnafter = nowSec + input.warnAfterSeconds;
  return {
    iss: input.issuer,
    sub: serviceAccountUsername(ns, sa.name),
    aud: [...input.audiences],
    iat: nowSec,
    nbf: nowSec,
    exp: nowSec + input.expirationSeconds,
    jti: (input.newUUID ?? randomUUID)(),
    'kubernetes.io': k8s,
  };
}

function nodeRef(node: { metadata: { name: string; uid?: string } }): { name: string; uid?: string } {
  // ref{} has `omitempty` on uid: a missing Node leaves only its name.
  return node.metadata.uid ? { name: node.metadata.name, uid: node.metadata.uid } : { name: node.metadata.name };
}

export function issueBoundToken(keys: KeySet, input: BoundTokenInput): { token: string; claims: BoundClaims } {
  const claims = boundClaims(input);
  return { token: keys.sign(claims as unknown as Record<string, unknown>), claims };
}

export function legacyClaims(serviceAccount: ServiceAccount, secretName: string): LegacyClaims {
  const ns = serviceAccount.metadata.namespace ?? '';
  return {
    iss: LEGACY_ISSUER,
    sub: serviceAccountUsername(ns, serviceAccount.metadata.name),
    'kubernetes.io/serviceaccount/namespace': ns,
    'kubernetes.io/serviceaccount/secret.name': secretName,
    'kubernetes.io/serviceaccount/service-account.name': serviceAccount.metadata.name,
    'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.metadata.uid,
  };
}

/** The token the token controller writes into a service-account-token Secret's `data.token`. */
export function issueLegacyToken(keys: KeySet, serviceAccount: ServiceAccount, secretName: string): { token: string; claims: LegacyClaims } {
  const claims = legacyClaims(serviceAccount, secretName);
  return { token: keys.sign(claims as unknown as Record<string, unknown>), claims };
}
