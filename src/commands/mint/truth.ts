/**
 * What the server did to the token that the user did not ask for, said on stderr: a shortened
 * lifetime (the Warning header, or an expiry shorter than asked), extended expiration (warnafter),
 * and audiences the API server does not accept (such a token cannot call the Kubernetes API).
 */
import type { Notice } from '../types.js';
import type { KubernetesView } from '../../jwt/types.js';
import { isUnauthorized } from '../../kube/errors.js';
import type { KubeApi } from '../../kube/types.js';

/** Tolerance between the asked and the granted lifetime (the server rounds and takes time to sign). */
const SLACK_SECONDS = 5;

/** The Warning headers, as the server sent them, then any shortening it did not announce. */
export function lifetimeNotices(
  warnings: string[],
  askedSeconds: number | undefined,
  view: KubernetesView,
  expirationTimestamp: string | null,
): Notice[] {
  const notices: Notice[] = warnings.map((w) => ({ level: 'warning' as const, message: `the API server says: ${w}` }));
  const issued = view.issuedAt ? Date.parse(view.issuedAt) : NaN;
  const expires = expirationTimestamp ? Date.parse(expirationTimestamp) : NaN;
  if (askedSeconds !== undefined && !Number.isNaN(issued) && !Number.isNaN(expires)) {
    const granted = Math.round((expires - issued) / 1000);
    const announced = warnings.some((w) => /shortened/i.test(w));
    if (granted < askedSeconds - SLACK_SECONDS && !announced) {
      notices.push({
        level: 'warning',
        message: `asked for ${askedSeconds}s but the token expires after ${granted}s (${expirationTimestamp}): the API server limits token lifetimes (--service-account-max-token-expiration)`,
      });
    }
  }
  if (view.warnAfter && view.expiresAt && Date.parse(view.expiresAt) > Date.parse(view.warnAfter)) {
    notices.push({
      level: 'warning',
      message: `the token has extended expiration: it stays valid until ${view.expiresAt}, but after ${view.warnAfter} (warnafter) the API server audits every use as a stale token`,
    });
  }
  return notices;
}

/**
 * Whether the API server accepts the token's audiences, asked the cheapest reliable way: the token
 * itself calls SelfSubjectReview (`kubectl auth whoami`), which every authenticated user may do.
 * A fresh token that gets 401 there has only audiences the API server does not serve.
 */
export async function audienceNotice(tokenApi: KubeApi, audiences: string[]): Promise<Notice | undefined> {
  try {
    await tokenApi.createSelfSubjectReview();
    return undefined;
  } catch (e) {
    if (!isUnauthorized(e)) return undefined; // no SelfSubjectReview API (before 1.28), network: nothing to say
    const list = audiences.map((a) => `"${a}"`).join(', ');
    return {
      level: 'warning',
      message: `the API server does not accept the audience ${list}: this token cannot call the Kubernetes API (right for a token meant for another service such as Vault; leave out --audience for one that can)`,
    };
  }
}
