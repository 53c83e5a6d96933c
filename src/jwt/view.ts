/** The Kubernetes view of a token: identities, bound object and times, absent values null. */
import { classify } from './classify.js';
import { rfc3339, seconds } from './time.js';
import type { BoundObject, JwtClaims, KubernetesView, NameUid, ObjectRefClaim } from './types.js';

/** Flat claims of a legacy token (pkg/serviceaccount/legacy.go). */
export const LEGACY_CLAIMS = {
  namespace: 'kubernetes.io/serviceaccount/namespace',
  secretName: 'kubernetes.io/serviceaccount/secret.name',
  serviceAccountName: 'kubernetes.io/serviceaccount/service-account.name',
  serviceAccountUid: 'kubernetes.io/serviceaccount/service-account.uid',
} as const;

export function kubernetesView(claims: JwtClaims, now: Date): KubernetesView {
  const type = classify(claims);
  const k8s = claims['kubernetes.io'];
  const legacy = (k: keyof typeof LEGACY_CLAIMS) => (claims[LEGACY_CLAIMS[k]] as string | undefined) ?? null;

  let namespace: string | null = null;
  let serviceAccount: NameUid | null = null;
  let boundObject: BoundObject | null = null;
  let node: NameUid | null = null;
  if (type === 'bound' && k8s) {
    namespace = k8s.namespace ?? null;
    serviceAccount = ref(k8s.serviceaccount);
    // A token binds to one object at most; claims.go fills pod, else secret, else node.
    if (k8s.pod) boundObject = { kind: 'Pod', ...ref(k8s.pod) };
    else if (k8s.secret) boundObject = { kind: 'Secret', ...ref(k8s.secret) };
    else if (k8s.node) boundObject = { kind: 'Node', ...ref(k8s.node) };
    node = k8s.node ? ref(k8s.node) : null;
  } else if (type === 'legacy') {
    namespace = legacy('namespace');
    serviceAccount = { name: legacy('serviceAccountName'), uid: legacy('serviceAccountUid') };
    const secret = legacy('secretName');
    boundObject = secret === null ? null : { kind: 'Secret', name: secret, uid: null };
  }

  const aud = claims.aud;
  return {
    type,
    issuer: claims.iss ?? null,
    subject: claims.sub ?? null,
    namespace,
    serviceAccount,
    audiences: aud === undefined ? [] : typeof aud === 'string' ? [aud] : [...aud],
    issuedAt: rfc3339(claims.iat),
    notBefore: rfc3339(claims.nbf),
    expiresAt: rfc3339(claims.exp),
    expiresInSeconds: claims.exp === undefined ? null : seconds(claims.exp) - Math.floor(now.getTime() / 1000),
    boundObject,
    node,
    warnAfter: type === 'bound' ? rfc3339(k8s?.warnafter) : null,
    jti: claims.jti ?? null,
  };
}

function ref(r: ObjectRefClaim | undefined): NameUid {
  return { name: r?.name ?? null, uid: r?.uid ?? null };
}
