/**
 * Golden outputs of test-auth in every format, one per verdict, from a fake API server with the
 * tests' signed tokens and the injected clock. Regenerate on purpose:
 *   UPDATE_GOLDEN=1 npx jest tests/unit/commands/test-auth/golden.test.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testAuthOptions, type TestAuthFlags } from '../../../../src/commands/test-auth/options';
import { runTestAuth } from '../../../../src/commands/test-auth/run';
import { render } from '../../../../src/output/render';
import type { OutputFormat } from '../../../../src/output/types';
import { jwksOf, KEYS, makeBoundToken, TEST_ISSUER } from '../../../support/tokens';
import { fakeDeps, forbidden, NOW, unauthorized, unreachable, type FakeCluster } from './fakes';

const GOLDEN = join(__dirname, '../../../golden/test-auth');
const EXT: Record<OutputFormat, string> = { table: 'txt', wide: 'txt', json: 'json', yaml: 'yaml' };

const user = {
  username: 'system:serviceaccount:default:app',
  uid: '5a0b6a8e-7c8e-4d0e-9d1f-3c4b5a6d7e8f',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
  extra: { 'authentication.kubernetes.io/pod-name': ['web-7d4b9c-x2x9q'], 'authentication.kubernetes.io/pod-uid': ['c0ffee00-1111-4222-8333-444455556666'] },
};
const discovery = { getRaw: (p: string) => (p === '/.well-known/openid-configuration' ? { issuer: TEST_ISSUER } : jwksOf(KEYS.rsa)) };
const fresh = makeBoundToken();
const expired = makeBoundToken({ issuedAt: new Date(NOW.getTime() - 2 * 3600_000) });
const refusedApi = { createSelfSubjectReview: () => { throw unauthorized(); }, listPods: () => { throw unauthorized(); } };

const CASES: Record<string, [TestAuthFlags, FakeCluster]> = {
  authenticated: [
    { token: fresh, can: ['get', 'configmaps'] },
    {
      caller: { ...discovery, createTokenReview: () => ({ status: { authenticated: true, user, audiences: [TEST_ISSUER] } }) },
      asToken: () => ({ createSelfSubjectReview: () => ({ status: { userInfo: user } }), listPods: () => ({ items: [] }), createSelfSubjectAccessReview: () => ({ status: { allowed: true } }) }),
    },
  ],
  forbidden: [
    { token: fresh },
    {
      caller: { ...discovery, createTokenReview: () => ({ status: { authenticated: true, user, audiences: [TEST_ISSUER] } }) },
      asToken: () => ({
        createSelfSubjectReview: () => ({ status: { userInfo: user } }),
        listPods: () => { throw forbidden('pods is forbidden: User "system:serviceaccount:default:app" cannot list resource "pods" in API group "" in the namespace "default"'); },
      }),
    },
  ],
  unauthenticated: [
    { token: expired },
    { caller: { ...discovery, createTokenReview: () => ({ status: { authenticated: false, error: '[invalid bearer token, service account token has expired]' } }) }, asToken: () => refusedApi },
  ],
  error: [{ token: fresh }, { caller: { getRaw: () => { throw unreachable(); } } }],
};

describe('test-auth golden outputs', () => {
  const table = Object.keys(CASES).flatMap((verdict) => (['table', 'wide', 'json', 'yaml'] as OutputFormat[]).map((f) => [verdict, f] as const));
  test.each(table)('%s, -o %s', async (verdict, format) => {
    const [flags, cluster] = CASES[verdict];
    const { result } = await runTestAuth(testAuthOptions(flags), fakeDeps(cluster, []));
    expect(result.verdict).toBe(verdict);
    const text = await render(result, { format, color: false, now: NOW });
    expect(text).not.toContain(fresh.split('.')[2]);
    expect(text).not.toContain(expired.split('.')[2]);
    const file = join(GOLDEN, `${verdict}.${format}.${EXT[format]}`);
    if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, text);
    }
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});
