import { cacheKey, getServiceAccountToken, refreshDue, requiresRefresh } from './rotation';
import type { TokenRequestObject } from '../tokens/token-request';

const tr = (issued: string, seconds: number): TokenRequestObject => ({
  kind: 'TokenRequest',
  apiVersion: 'authentication.k8s.io/v1',
  metadata: { name: 'app', namespace: 'ns', uid: 'sa-uid', creationTimestamp: issued },
  spec: { audiences: ['a'], expirationSeconds: seconds, boundObjectRef: null },
  status: { token: 't', expirationTimestamp: new Date(Date.parse(issued) + seconds * 1000).toISOString() },
});
const at = (base: string, s: number) => new Date(Date.parse(base) + s * 1000);
const T0 = '2026-11-28T16:00:00Z';

describe('requiresRefresh: older than 80 % of the TTL or 24 h, or issued in the future', () => {
  const cases = [
    { seconds: 3607, fresh: 2886, due: 2887 }, // 3607*20/100 = 721 in Go's integer arithmetic
    { seconds: 600, fresh: 480, due: 481 },
    { seconds: 86400, fresh: 69120, due: 69121 },
    { seconds: 172800, fresh: 86400, due: 86401 },
    { seconds: 31536000, fresh: 86400, due: 86401 },
  ];
  it.each(cases)('$seconds s token: kept at +$fresh s, refreshed at +$due s', ({ seconds, fresh, due }) => {
    const t = tr(T0, seconds);
    expect(requiresRefresh(t, at(T0, fresh))).toBe(false);
    expect(requiresRefresh(t, at(T0, due))).toBe(true);
    expect(refreshDue(t).getTime()).toBeLessThanOrEqual(at(T0, due).getTime());
    expect(refreshDue(t).getTime()).toBeGreaterThan(at(T0, fresh).getTime());
  });
  it('refreshes when the clock is before iat', () => {
    expect(requiresRefresh(tr(T0, 3600), at(T0, -1))).toBe(true);
  });
});

describe('getServiceAccountToken failure handling', () => {
  const key = cacheKey('app', 'ns', undefined, 3607, { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'u' });
  const failing = () => ({ ok: false as const, error: 'boom' });
  it('formats the key as Go %q/%#v', () => {
    expect(key).toBe('"app"/"ns"/[]string(nil)/3607/v1.BoundObjectReference{Kind:"Pod", APIVersion:"v1", Name:"web", UID:"u"}');
    expect(cacheKey('app', 'ns', ['vault'], 600, { kind: 'Pod', apiVersion: 'v1', name: 'w', uid: 'u' })).toContain('/[]string{"vault"}/600/');
  });
  it('no cache → failed to fetch token', () => {
    expect(getServiceAccountToken(undefined, key, at(T0, 0), failing)).toEqual({ kind: 'failed', error: 'failed to fetch token: boom' });
  });
  it('valid cache → kept (Couldn\'t update token)', () => {
    const cached = { tokenRequest: tr(T0, 3607), key };
    expect(getServiceAccountToken(cached, key, at(T0, 3000), failing)).toMatchObject({ kind: 'kept', error: 'boom' });
  });
  it('expired cache → expired and refresh failed', () => {
    const cached = { tokenRequest: tr(T0, 3607), key };
    expect(getServiceAccountToken(cached, key, at(T0, 3608), failing)).toEqual({ kind: 'failed', error: `token ${key} expired and refresh failed: boom` });
  });
  it('fresh cache → no request at all', () => {
    const cached = { tokenRequest: tr(T0, 3607), key };
    const fetch = jest.fn(failing);
    expect(getServiceAccountToken(cached, key, at(T0, 60), fetch).kind).toBe('cached');
    expect(fetch).not.toHaveBeenCalled();
  });
});
