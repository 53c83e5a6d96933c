/**
 * POST /apis/authentication.k8s.io/v1/selfsubjectreviews (`kubectl auth whoami`): echoes the
 * authenticated user. Every authenticated user may call it (system:basic-user), so the platform
 * only has to authenticate the request and pass the user in. The answer is stamped with the time it
 * was made (k/k pkg/registry/authentication/selfsubjectreview/rest.go Create: CreationTimestamp
 * metav1.NewTime(time.Now())), unlike TokenReview and the access reviews, which stay null.
 */
import type { UserInfo } from './authenticate';

export interface SelfSubjectReviewObject {
  kind: 'SelfSubjectReview';
  apiVersion: string;
  metadata: { creationTimestamp: string };
  status: { userInfo: UserInfo };
}

/** `apiVersion` lets the platform answer v1beta1/v1alpha1 requests too (kubectl falls back to them). */
export function selfSubjectReview(user: UserInfo, now: string, apiVersion = 'authentication.k8s.io/v1'): SelfSubjectReviewObject {
  const userInfo: UserInfo = { username: user.username, groups: [...user.groups] };
  if (user.uid) userInfo.uid = user.uid;
  if (user.extra && Object.keys(user.extra).length > 0) userInfo.extra = user.extra;
  return { kind: 'SelfSubjectReview', apiVersion, metadata: { creationTimestamp: now }, status: { userInfo } };
}
