/**
 * The kubelet's token manager (pkg/kubelet/token/token_manager.go), on the emulated clock.
 *
 * requiresRefresh: with iat = status.expirationTimestamp - spec.expirationSeconds, refresh when
 *   now > iat + 24 h, or now > exp - 20 % of expirationSeconds, or now < iat (clock leap).
 *   Upstream subtracts a random jitter of up to 10 s from both thresholds; the emulator uses none,
 *   so rotation times are deterministic (at most 10 s later than a real kubelet's).
 * On a failed refresh: no cached token → `failed to fetch token: <err>`; cached token past its
 *   status.expirationTimestamp → `token <key> expired and refresh failed: <err>`; otherwise keep the
 *   old token (klog "Couldn't update token") and report nothing.
 * KUBERNETES.md §4 says "older than 80 %": upstream computes 20 % of expirationSeconds in integer
 * arithmetic and refreshes strictly after that instant (3607 s → after iat + 2886 s).
 * Note that expiry here is status.expirationTimestamp (+3607 s for the default projected token),
 * not the extended one-year `exp`: a kubelet that cannot refresh for an hour fails the mount.
 */
import type { TokenRequestObject } from '../tokens/token-request';

export const MAX_TTL_SECONDS = 24 * 3600;

export interface CachedToken {
  tokenRequest: TokenRequestObject;
  /** The cache key as upstream's keyFunc prints it (used in its error text). */
  key: string;
}

export function requiresRefresh(tr: TokenRequestObject, now: Date): boolean {
  const expSeconds = tr.spec.expirationSeconds;
  const exp = Date.parse(tr.status.expirationTimestamp);
  const iat = exp - expSeconds * 1000;
  const t = now.getTime();
  if (t > iat + MAX_TTL_SECONDS * 1000) return true;
  if (t > exp - Math.floor((expSeconds * 20) / 100) * 1000) return true;
  if (t < iat) return true;
  return false;
}

export function expired(tr: TokenRequestObject, now: Date): boolean {
  return now.getTime() > Date.parse(tr.status.expirationTimestamp);
}

/** When the kubelet will next want a new token (for tests and the platform's scheduling). */
export function refreshDue(tr: TokenRequestObject): Date {
  const expSeconds = tr.spec.expirationSeconds;
  const exp = Date.parse(tr.status.expirationTimestamp);
  const iat = exp - expSeconds * 1000;
  return new Date(Math.min(iat + MAX_TTL_SECONDS * 1000, exp - Math.floor((expSeconds * 20) / 100) * 1000) + 1);
}

/**
 * The last instant at or before `now` at which a kubelet syncing all along would have refreshed:
 * `tr`'s refresh point, then each next token's, while they are not after `now` (each token issued
 * at the previous point, with whole-second timestamps as the API server writes them). `now` when
 * `tr` is not due yet, or when its clock-leap rule (now < iat) fires.
 */
export function lastRefreshAt(tr: TokenRequestObject, now: Date): Date {
  const expSeconds = tr.spec.expirationSeconds;
  const t = now.getTime();
  let due = refreshDue(tr).getTime();
  if (due > t || t < Date.parse(tr.status.expirationTimestamp) - expSeconds * 1000) return now;
  for (;;) {
    const iat = Math.floor(due / 1000) * 1000;
    const next = Math.min(iat + MAX_TTL_SECONDS * 1000, iat + expSeconds * 1000 - Math.floor((expSeconds * 20) / 100) * 1000) + 1;
    if (next > t) return new Date(due);
    due = next;
  }
}

/**
 * keyFunc: fmt.Sprintf("%q/%q/%#v/%#v/%#v", name, namespace, audiences, exp, boundObjectRef).
 * Go's %#v of a nil []string is `[]string(nil)`.
 */
export function cacheKey(saName: string, namespace: string, audiences: string[] | undefined, expirationSeconds: number, ref: { kind: string; apiVersion: string; name: string; uid: string }): string {
  const auds = audiences && audiences.length ? `[]string{${audiences.map((a) => JSON.stringify(a)).join(', ')}}` : '[]string(nil)';
  const r = `v1.BoundObjectReference{Kind:${JSON.stringify(ref.kind)}, APIVersion:${JSON.stringify(ref.apiVersion)}, Name:${JSON.stringify(ref.name)}, UID:${JSON.stringify(ref.uid)}}`;
  return `${JSON.stringify(saName)}/${JSON.stringify(namespace)}/${auds}/${expirationSeconds}/${r}`;
}

export type FetchOutcome =
  | { kind: 'fresh'; cached: CachedToken }
  | { kind: 'kept'; cached: CachedToken; error: string }
  | { kind: 'failed'; error: string };

/** GetServiceAccountToken: decide whether to call `fetch`, and what a failure means. */
export function getServiceAccountToken(
  cached: CachedToken | undefined,
  key: string,
  now: Date,
  fetch: () => { ok: true; tokenRequest: TokenRequestObject } | { ok: false; error: string },
): FetchOutcome | { kind: 'cached'; cached: CachedToken } {
  if (cached && !requiresRefresh(cached.tokenRequest, now)) return { kind: 'cached', cached };
  const r = fetch();
  if (r.ok) return { kind: 'fresh', cached: { tokenRequest: r.tokenRequest, key } };
  if (!cached) return { kind: 'failed', error: `failed to fetch token: ${r.error}` };
  if (expired(cached.tokenRequest, now)) return { kind: 'failed', error: `token ${key} expired and refresh failed: ${r.error}` };
  return { kind: 'kept', cached, error: r.error };
}
