import { got } from '../../../src/checks/context';
import { serviceAccountExists } from '../../../src/checks/serviceaccount-exists';
import { fakeSource, forbidden, makeCtx, makeServiceAccount, noExec, SA_UID } from './fakes';

describe('serviceaccount-exists', () => {
  test('passes when it exists with the uid the token names', async () => {
    const r = await serviceAccountExists.run(makeCtx());
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain(`token claims serviceaccount: app (uid ${SA_UID})`);
  });

  test('fails when deleted, with create + restart', async () => {
    const r = await serviceAccountExists.run(makeCtx({ data: fakeSource({ serviceAccount: got(null) }) }));
    expect(r.status).toBe('fail');
    expect(r.fix).toEqual(['kubectl create serviceaccount app -n default', 'kubectl delete pod web-7d4b9c-x2x9q -n default']);
  });

  test('fails when re-created (uid differs from the token claim): restart only', async () => {
    const sa = makeServiceAccount();
    sa.metadata!.uid = 'new-uid';
    const r = await serviceAccountExists.run(makeCtx({ data: fakeSource({ serviceAccount: got(sa) }) }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/re-created.*new-uid.*5a0b6a8e/);
    expect(r.fix).toEqual(['kubectl delete pod web-7d4b9c-x2x9q -n default']);
  });

  test('passes on existence alone without a token, saying so', async () => {
    const r = await serviceAccountExists.run(makeCtx({ data: fakeSource({ mountedToken: noExec() }) }));
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/uid not compared — exec unavailable: disabled by --no-exec/);
  });

  test('skips when not permitted', async () => {
    const r = await serviceAccountExists.run(makeCtx({ data: fakeSource({ serviceAccount: forbidden('get serviceaccounts in default') }) }));
    expect(r).toMatchObject({ status: 'skip', message: expect.stringMatching(/^not permitted: get serviceaccounts in default/) });
  });
});
