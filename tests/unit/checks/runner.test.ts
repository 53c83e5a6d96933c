import { EXEC_DISABLED } from '../../../src/checks/format';
import { execReader } from '../../../src/commands/diagnose/readers';
import { got } from '../../../src/checks/context';
import { CHECKS } from '../../../src/checks/index';
import { restartsOffLostNode } from '../../../src/checks/fixes';
import { ROOT_CAUSE_PRECEDENCE, runChecks, summarize } from '../../../src/checks/runner';
import { CHECK_IDS, type CheckResult } from '../../../src/checks/types';
import { makeBoundToken, TEST_NOW } from '../../support/tokens';
import { fakeSource, makeCtx, makeNode, makePod, mountedFiles, SA_UID } from './fakes';

const result = (id: CheckResult['id'], status: CheckResult['status'], fix: string[] = []): CheckResult => ({ id, title: id, status, message: `${id} says ${status}`, evidence: [], fix });

describe('runner', () => {
  test('every public check id has exactly one check, and a place in the precedence', () => {
    expect(CHECKS.map((c) => c.id).sort()).toEqual([...CHECK_IDS].sort());
    expect([...ROOT_CAUSE_PRECEDENCE].sort()).toEqual([...CHECK_IDS].sort());
    for (const c of CHECKS) expect(c.explain.length).toBeGreaterThan(50);
  });

  test('a healthy pod: all pass or skip, no root cause; each source method called at most as often as needed', async () => {
    const data = fakeSource();
    const results = await runChecks(makeCtx({ data }), CHECKS, { explain: true });
    expect(results.filter((r) => r.status !== 'pass' && r.status !== 'skip')).toEqual([]);
    expect(summarize(results)).toEqual({ status: 'healthy', rootCause: null, fix: [] });
    expect(results.every((r) => typeof r.explain === 'string')).toBe(true);
  });

  test('the most fundamental failure is the root cause: a NotReady node before the expiry it caused', async () => {
    const raw = makeBoundToken({ serviceAccount: { name: 'app', uid: SA_UID }, issuedAt: new Date(TEST_NOW.getTime() - 2 * 3600_000), expirationSeconds: 3600 });
    const data = fakeSource({
      node: got(makeNode('Unknown')),
      mountedToken: got(mountedFiles(raw, { writtenMinAgo: 120 })),
      authentication: got({ via: 'tokenreview', authenticated: false, error: 'service account token has expired' }),
    });
    const ctx = makeCtx({ data });
    const results = await runChecks(ctx, CHECKS);
    const failing = results.filter((r) => r.status === 'fail').map((r) => r.id);
    expect(failing.sort()).toEqual(['node-ready', 'token-authenticates', 'token-claims', 'token-rotation']);
    // As diagnose sums them up: the restarts do not wait for the NotReady node's kubelet, one command.
    const s = summarize(restartsOffLostNode(ctx.pod, results));
    expect(s.status).toBe('failing');
    expect(s.rootCause?.check).toBe('node-ready');
    expect(s.fix).toEqual(['kubectl delete pod web-7d4b9c-x2x9q -n default --wait=false']);
  });

  test('warnings only: degraded, and the first warning by precedence is the root cause', () => {
    const s = summarize([result('rbac', 'warn', ['kubectl create role r']), result('legacy-secret', 'warn', ['kubectl patch deployment d']), result('automount', 'pass')]);
    expect(s).toEqual({ status: 'degraded', rootCause: { check: 'legacy-secret', message: 'legacy-secret says warn' }, fix: ['kubectl patch deployment d', 'kubectl create role r'] });
  });

  test('fix commands: failures before warnings, no repeats, pod restarts last', () => {
    const s = summarize([
      result('serviceaccount-exists', 'fail', ['kubectl create serviceaccount app -n default', 'kubectl delete pod p -n default']),
      result('token-authenticates', 'fail', ['kubectl create serviceaccount app -n default', 'kubectl delete pod p -n default']),
      result('audience', 'fail', ['kubectl patch deployment web -n default --type json -p x']),
    ]);
    expect(s.fix).toEqual(['kubectl create serviceaccount app -n default', 'kubectl patch deployment web -n default --type json -p x', 'kubectl delete pod p -n default']);
  });

  test('a static pod\'s mirror: every check is not applicable, and it is healthy', async () => {
    const pod = makePod((p) => (p.metadata!.annotations = { 'kubernetes.io/config.mirror': 'abc' }));
    const results = await runChecks(makeCtx({ pod }), CHECKS);
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['skip']));
    expect(summarize(results).status).toBe('healthy');
  });

  test('a check that throws becomes a skip, and the others still report', async () => {
    const broken = { ...CHECKS[0], run: async () => { throw new Error('boom'); } };
    const results = await runChecks(makeCtx(), [broken, CHECKS[1]]);
    expect(results[0]).toMatchObject({ status: 'skip', message: 'could not run: boom' });
    expect(results[1].status).toBe('pass');
  });

  describe('inconclusive: nothing failed, but a check that decides whether the token works did not run', () => {
    const passing = (skipped: Record<string, string>) =>
      CHECK_IDS.map((id) => (skipped[id] ? { ...result(id, 'skip'), message: skipped[id] } : result(id, 'pass')));

    test('exec forbidden: inconclusive, naming the permission, not by choice', () => {
      const s = summarize(passing({ 'token-claims': 'exec unavailable: not permitted: create pods/exec in shop', 'token-authenticates': 'exec unavailable: not permitted: create pods/exec in shop' }));
      expect(s.status).toBe('inconclusive');
      expect(s.unverified).toEqual([
        { id: 'token-claims', reason: 'exec unavailable: not permitted: create pods/exec in shop', needs: 'permission to create pods/exec in shop', byChoice: false },
        { id: 'token-authenticates', reason: 'exec unavailable: not permitted: create pods/exec in shop', needs: 'permission to create pods/exec in shop', byChoice: false },
      ]);
    });

    test('the reader\'s --no-exec skip is the one skipCause knows as the user\'s choice', async () => {
      const read = await execReader({} as never, Promise.resolve(undefined), () => 'app', false, { server: 'https://test', reads: { before: async () => undefined, remember: async () => undefined } })();
      expect(read).toEqual({ ok: false, why: { kind: 'no-exec', message: EXEC_DISABLED } });
    });

    test('--no-exec: inconclusive by choice; a TokenReview forbidden names create tokenreviews', () => {
      expect(summarize(passing({ 'token-claims': 'exec unavailable: disabled by --no-exec' })).unverified).toEqual([
        { id: 'token-claims', reason: 'exec unavailable: disabled by --no-exec', needs: 'exec into the container (run without --no-exec)', byChoice: true },
      ]);
      expect(summarize(passing({ 'token-authenticates': 'not permitted: create tokenreviews (forbidden; 401)' })).unverified?.[0].needs).toBe('permission to create tokenreviews');
    });

    test('not applicable skips and non-deciding skips leave it healthy; a failure or warning wins over inconclusive', () => {
      expect(summarize(passing({ 'token-claims': 'not applicable: a static pod', 'node-ready': 'not permitted: get nodes (x)' })).status).toBe('healthy');
      const withFail = passing({ 'token-claims': 'exec unavailable: not permitted: create pods/exec in shop' }).map((r) => (r.id === 'automount' ? result('automount', 'fail') : r));
      expect(summarize(withFail)).toMatchObject({ status: 'failing', rootCause: { check: 'automount' } });
      expect(summarize(withFail).unverified).toBeUndefined();
    });

    test('checks a scan did not run count, with the flag that runs them', () => {
      const spec = CHECK_IDS.filter((id) => id !== 'token-claims' && id !== 'token-authenticates').map((id) => result(id, 'pass'));
      const notRun = [{ id: 'token-claims' as const, reason: 'needs the token', needs: '--deep' }, { id: 'token-authenticates' as const, reason: 'needs the token', needs: '--deep' }];
      expect(summarize(spec, notRun)).toMatchObject({ status: 'inconclusive', unverified: [{ id: 'token-claims', needs: '--deep', byChoice: true }, { id: 'token-authenticates', needs: '--deep', byChoice: true }] });
    });
  });
});
