import { got } from '../../../src/checks/context';
import { tokenClaims } from '../../../src/checks/token-claims';
import { makeBoundToken, makeExternalToken, makeLegacyToken, TEST_NOW } from '../../support/tokens';
import { fakeSource, makeCtx, mountedFiles, noExec, POD_UID, SA_UID } from './fakes';

const withToken = (raw: string) => fakeSource({ mountedToken: got(mountedFiles(raw)) });
const sa = { name: 'app', uid: SA_UID };

describe('token-claims', () => {
  test('passes for the pod\'s own fresh token', async () => {
    const r = await tokenClaims.run(makeCtx());
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain('sub: system:serviceaccount:default:app');
  });

  test('fails an expired token with the JWT core\'s words, fix = restart', async () => {
    const raw = makeBoundToken({ serviceAccount: sa, issuedAt: new Date(TEST_NOW.getTime() - 3 * 3600_000), expirationSeconds: 3600 });
    const r = await tokenClaims.run(makeCtx({ data: withToken(raw) }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/expired/);
    expect(r.fix).toEqual(['kubectl delete pod web-7d4b9c-x2x9q -n default']);
  });

  test('fails a token of another ServiceAccount', async () => {
    const raw = makeBoundToken({ serviceAccount: { name: 'other', uid: 'x' } });
    const r = await tokenClaims.run(makeCtx({ data: withToken(raw) }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('the token belongs to system:serviceaccount:default:other, but the pod runs as system:serviceaccount:default:app');
  });

  test('fails a token bound to another pod', async () => {
    const raw = makeBoundToken({ serviceAccount: sa, boundTo: { kind: 'Pod', name: 'web-7d4b9c-x2x9q', uid: 'another-uid' } });
    const r = await tokenClaims.run(makeCtx({ data: withToken(raw) }));
    expect(r.status).toBe('fail');
    expect(r.message).toContain(`not to this pod (uid ${POD_UID})`);
  });

  test('fails a token that is not a Kubernetes token', async () => {
    const r = await tokenClaims.run(makeCtx({ data: withToken(makeExternalToken()) }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/not a Kubernetes ServiceAccount token/);
  });

  test('fails a token file that is not a JWT', async () => {
    const r = await tokenClaims.run(makeCtx({ data: withToken('not-a-jwt') }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/cannot be decoded: a JWT has 3 dot-separated segments/);
  });

  test('a legacy token passes here (no expiry); legacy-secret judges it', async () => {
    const raw = makeLegacyToken({ serviceAccount: sa, secretName: 'app-token' });
    const r = await tokenClaims.run(makeCtx({ data: withToken(raw) }));
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/no expiry \(legacy token\)/);
  });

  test('skips without exec, with the reason', async () => {
    const r = await tokenClaims.run(makeCtx({ data: fakeSource({ mountedToken: noExec() }) }));
    expect(r).toMatchObject({ status: 'skip', message: 'exec unavailable: disabled by --no-exec' });
  });
});
