import { rbacFix } from '../../../src/commands/test-auth/fixes';
import { got } from '../../../src/checks/context';
import { rbac } from '../../../src/checks/rbac';
import { tokenAuthenticates } from '../../../src/checks/token-authenticates';
import { fakeSource, forbidden, makeCtx, noExec } from './fakes';

describe('token-authenticates', () => {
  test('passes with the user the API server saw', async () => {
    const r = await tokenAuthenticates.run(makeCtx());
    expect(r).toMatchObject({ status: 'pass', message: 'the API server accepts the token as system:serviceaccount:default:app' });
  });

  test('fails with the TokenReview reason verbatim; deleted ServiceAccount → create + restart', async () => {
    const error = 'service account default/app has been deleted';
    const r = await tokenAuthenticates.run(makeCtx({ data: fakeSource({ authentication: got({ via: 'tokenreview', authenticated: false, error }) }) }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe(`the API server rejects the token: ${error}`);
    expect(r.fix).toEqual(['kubectl create serviceaccount app -n default', 'kubectl delete pod web-7d4b9c-x2x9q -n default']);
  });

  test('a SelfSubjectReview 401 fails without a reason, saying where the reason is', async () => {
    const r = await tokenAuthenticates.run(makeCtx({ data: fakeSource({ authentication: got({ via: 'selfsubjectreview', authenticated: false, httpStatus: 401 }) }) }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/needs create tokenreviews/);
  });

  test('skips without the token', async () => {
    expect((await tokenAuthenticates.run(makeCtx({ data: fakeSource({ authentication: noExec() }) }))).status).toBe('skip');
  });
});

describe('rbac', () => {
  test('passes when the token may list pods', async () => {
    expect((await rbac.run(makeCtx())).status).toBe('pass');
  });

  test('a 403 for the seed\'s list pods is information, not a warning: most ServiceAccounts need no rights', async () => {
    const data = fakeSource({ access: () => got({ allowed: false, via: 'selfsubjectaccessreview' }) });
    const r = await rbac.run(makeCtx({ data }));
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/may not list pods in default \(information: name the rights the app needs with --can/);
    expect(r.fix).toEqual([]);
  });

  test('--can list pods denied: fails with the Role and RoleBinding test-auth prints for the same 403', async () => {
    const data = fakeSource({ access: () => got({ allowed: false, via: 'selfsubjectaccessreview' }) });
    const r = await rbac.run(makeCtx({ data, can: [{ verb: 'list', resource: 'pods' }] }));
    expect(r.status).toBe('fail');
    expect(r.fix.join(' && ')).toBe(rbacFix('system:serviceaccount:default:app', [{ namespace: 'default', verb: 'list', resource: 'pods' }]));
    expect(r.fix).toEqual([
      'kubectl create role app-list-pods --verb=list --resource=pods -n default',
      'kubectl create rolebinding app-list-pods --role=app-list-pods --serviceaccount=default:app -n default',
    ]);
  });

  test('fails when a --can right is missing, and asks for each right once', async () => {
    const asked: string[] = [];
    const data = fakeSource({
      access: (a) => {
        asked.push(`${a.verb} ${a.resource}/${a.subresource ?? ''} ${a.namespace}`);
        return got({ allowed: a.resource === 'pods' && !a.subresource, via: 'selfsubjectaccessreview' });
      },
    });
    const r = await rbac.run(makeCtx({ data, can: [{ verb: 'create', resource: 'pods', subresource: 'exec' }] }));
    expect(asked).toEqual(['list pods/ default', 'create pods/exec default']);
    expect(r.status).toBe('fail');
    expect(r.fix[0]).toBe('kubectl create role app-create-pods-exec --verb=create --resource=pods/exec -n default');
  });

  test('not applicable when the token does not authenticate', async () => {
    const data = fakeSource({ authentication: got({ via: 'tokenreview', authenticated: false, error: 'x' }) });
    expect((await rbac.run(makeCtx({ data }))).message).toMatch(/^not applicable/);
  });

  test('skips naming the permission when access cannot be reviewed', async () => {
    const data = fakeSource({ access: () => forbidden('create subjectaccessreviews') });
    expect((await rbac.run(makeCtx({ data }))).message).toMatch(/^not permitted: create subjectaccessreviews/);
  });
});
