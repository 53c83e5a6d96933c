/** diagnose POD against the round-trip fake: requests, their rounds, and what each failure gives. */
import { diagnosePod } from '../../../../src/commands/diagnose/pod';
import { diagnoseOptions } from '../../../../src/commands/diagnose/options';
import { ApiError } from '../../../../src/kube/errors';
import { inspectToken } from '../../../../src/jwt';
import { answers, deps, roundTripApi, type Call } from './fakes';

describe('diagnose POD', () => {
  test('a healthy pod in 3 round trips, each request once', async () => {
    const main = roundTripApi(answers);
    const asToken = roundTripApi({ createSelfSubjectAccessReview: () => ({ status: { allowed: true } }) });
    const out = await diagnosePod(diagnoseOptions({ pod: 'web-7d4b9c-x2x9q' }), deps(main.api, asToken.api), inspectToken);
    expect(out.result.status).toBe('healthy');
    expect(out.problem).toBe(false);
    const byRound = (calls: Call[]) => calls.map((c) => `${c.round} ${c.name}`);
    // Round 1: the pod and everything that does not need it; 2: what needs the pod; 3: what needs the token.
    expect(byRound(main.calls).sort()).toEqual(
      // No kube-apiserver pod is visible in kube-system here, so round 2 also looks in openshift-kube-apiserver, and round 3 (beside the TokenReview) asks a TokenRequest for the API audiences.
      ['1 readPod', '1 listEvents', '1 listSecrets', '1 getRaw', '1 getRaw', '1 listPods kube-system', '2 listPods openshift-kube-apiserver', '3 createToken', '2 readServiceAccount', '2 readNode', '2 exec', '3 createTokenReview'].sort(),
    );
    expect(asToken.calls.map((c) => c.name)).toEqual(['createSelfSubjectAccessReview']);
  });

  test('the pod not found: the API error, and no request left in flight', async () => {
    const main = roundTripApi({
      ...answers,
      readPod: () => {
        throw new ApiError(404, 'NotFound', 'pods "web" not found', 'get pods "web"');
      },
    });
    await expect(diagnosePod(diagnoseOptions({ pod: 'web' }), deps(main.api, main.api), inspectToken)).rejects.toThrow('pods "web" not found');
    expect(main.calls.every((c) => c.round === 1)).toBe(true);
  });

  test('-c names a container the pod does not have: a usage error listing its containers', async () => {
    const main = roundTripApi(answers);
    await expect(diagnosePod(diagnoseOptions({ pod: 'web', container: 'nope' }), deps(main.api, main.api), inspectToken)).rejects.toThrow(
      'container nope is not valid for pod web-7d4b9c-x2x9q',
    );
  });

  test('exec forbidden: the token checks skip naming the permission; the rest run', async () => {
    const main = roundTripApi({
      ...answers,
      exec: () => {
        throw new ApiError(403, 'Forbidden', 'pods "web" is forbidden: User "dev" cannot create resource "pods/exec"', 'exec');
      },
      // Without the token, rbac asks about the ServiceAccount with a SubjectAccessReview.
      request: () => ({ status: { allowed: true } }),
    });
    const out = await diagnosePod(diagnoseOptions({ pod: 'web-7d4b9c-x2x9q' }), deps(main.api, main.api), inspectToken);
    const claims = out.result.checks.find((c) => c.id === 'token-claims')!;
    expect(claims).toMatchObject({ status: 'skip', message: 'exec unavailable: not permitted: create pods/exec in default' });
    expect(out.result.checks.find((c) => c.id === 'rbac')!.status).toBe('pass');
    expect(main.calls.map((c) => c.name)).not.toContain('createTokenReview');
  });
});
