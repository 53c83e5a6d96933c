import { projectionPatch } from '../../../src/commands/migrate-legacy/projected';
import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import { appTokenReload } from '../../../src/checks/app-token-reload';
import { got, missing, type TokenUses } from '../../../src/checks/context';
import { legacySecret } from '../../../src/checks/legacy-secret';
import { makeBoundToken, makeLegacyToken, TEST_NOW } from '../../support/tokens';
import { fakeSource, makeCtx, makePod, makeServiceAccount, mountedFiles, noExec, SA_DIR, SA_UID } from './fakes';

const sa = { name: 'app', uid: SA_UID };
const tokenSecret = (name: string, labels: Record<string, string> = {}): V1Secret => ({
  metadata: { name, namespace: 'default', labels, annotations: { 'kubernetes.io/service-account.name': 'app' } },
  type: 'kubernetes.io/service-account-token',
});
/** The pod mounts a legacy Secret where the projected token belongs. */
const legacyPod = () =>
  makePod((p) => {
    p.spec!.volumes = [{ name: 'legacy-token', secret: { secretName: 'app-token' } }];
    p.spec!.containers[0].volumeMounts = [{ name: 'legacy-token', mountPath: SA_DIR }];
  });

describe('legacy-secret', () => {
  test('passes a pod with the projected token', async () => {
    expect((await legacySecret.run(makeCtx())).status).toBe('pass');
  });

  test('warns on a mounted token Secret, with migrate-legacy\'s patch that projects the token in its place', async () => {
    const raw = makeLegacyToken({ serviceAccount: sa, secretName: 'app-token' });
    const data = fakeSource({
      mountedToken: got(mountedFiles(raw)),
      tokenSecrets: got([tokenSecret('app-token', { 'kubernetes.io/legacy-token-last-used': '2026-11-28' })]),
      serviceAccount: got(makeServiceAccount({ secrets: [{ name: 'app-token' }] })),
    });
    const r = await legacySecret.run(makeCtx({ pod: legacyPod(), data }));
    expect(r.status).toBe('warn');
    expect(r.evidence).toContain(`secret app-token: volume legacy-token at ${SA_DIR}; auto-generated (listed in the ServiceAccount), last used 2026-11-28`);
    // The Secret volume becomes the projected token, as migrate-legacy's patch makes it.
    expect(r.fix).toEqual([
      `kubectl patch deployment web -n default --type json -p '${JSON.stringify(projectionPatch({ spec: { template: { spec: legacyPod().spec } } }, 'Deployment', 'app-token', 'app')!.patch)}'`,
    ]);
  });

  test('fails an invalidated Secret, re-enabling it first', async () => {
    const data = fakeSource({ mountedToken: noExec(), tokenSecrets: got([tokenSecret('app-token', { 'kubernetes.io/legacy-token-invalid-since': '2026-10-01' })]) });
    const r = await legacySecret.run(makeCtx({ pod: legacyPod(), data }));
    expect(r.status).toBe('fail');
    expect(r.fix[0]).toBe('kubectl label secret app-token -n default kubernetes.io/legacy-token-invalid-since-');
  });

  test('an env reference to a token Secret is found too', async () => {
    const pod = makePod((p) => (p.spec!.containers[0].env = [{ name: 'K8S_TOKEN', valueFrom: { secretKeyRef: { name: 'app-token', key: 'token' } } }]));
    const r = await legacySecret.run(makeCtx({ pod, data: fakeSource({ tokenSecrets: got([tokenSecret('app-token')]) }) }));
    expect(r.status).toBe('warn');
    expect(r.evidence[0]).toBe('secret app-token: env K8S_TOKEN (key token); manually created, no last-used label');
  });
});

describe('app-token-reload', () => {
  const extended = (issuedMinAgo: number) =>
    makeBoundToken({ serviceAccount: sa, issuedAt: new Date(TEST_NOW.getTime() - issuedMinAgo * 60_000), expirationSeconds: 365 * 86400, warnAfterSeconds: 3607 });
  const running3h = (p: V1Pod) => (p.status!.containerStatuses![0].state!.running!.startedAt = new Date(TEST_NOW.getTime() - 180 * 60_000));
  /** A long-running pod with admission's projected token volume: the kubelet mounts it read-only. */
  const projectedPod = () => makePod(running3h);
  /** A long-running pod whose token directory is a writable emptyDir (a copy): there a read moves the atime. */
  const writablePod = () =>
    makePod((p) => {
      running3h(p);
      p.spec!.volumes = [{ name: 'token-copy', emptyDir: {} }];
      p.spec!.containers[0].volumeMounts = [{ name: 'token-copy', mountPath: SA_DIR }];
    });
  const at = (minAgo: number) => new Date(TEST_NOW.getTime() - minAgo * 60_000).toISOString();
  const jtiOf = (raw: string) => JSON.parse(Buffer.from(raw.split('.')[1]!, 'base64url').toString('utf8')).jti as string;

  test('not applicable before the first rotation', async () => {
    const r = await appTokenReload.run(makeCtx());
    expect(r.status).toBe('skip');
    expect(r.message).toMatch(/^not applicable yet: the kubelet has not rotated the token since the container started 20m ago/);
  });

  describe('the usual read-only token mount, without an audit log: neither verdict from the access time', () => {
    test.each([
      ['read after the rotation (the kubelet\'s own read-back moves it for every app)', 1],
      ['not read since the rotation', 30],
    ])('%s: skips naming the read-only mount and --audit-log', async (_what, readMinAgo) => {
      const data = fakeSource({ mountedToken: got(mountedFiles(extended(30), { writtenMinAgo: 30, readMinAgo })) });
      const r = await appTokenReload.run(makeCtx({ pod: projectedPod(), data }));
      expect(r.status).toBe('skip');
      expect(r.message).toBe(
        'not observable from the pod: the kubelet mounts the projected volume kube-api-access-abcde read-only, so the token file\'s access time does not show the app\'s reads; diagnose --audit-log FILE (kube-apiserver\'s audit log) shows which token the app presents',
      );
      expect(r.evidence.join('\n')).not.toMatch(/last read/);
    });

    test('a Secret or a readOnly volumeMount is read-only too', async () => {
      const pod = makePod((p) => {
        running3h(p);
        p.spec!.volumes = [{ name: 'token-copy', emptyDir: {} }];
        p.spec!.containers[0].volumeMounts = [{ name: 'token-copy', mountPath: SA_DIR, readOnly: true }];
      });
      const data = fakeSource({ mountedToken: got(mountedFiles(extended(30), { writtenMinAgo: 30, readMinAgo: 1 })) });
      const r = await appTokenReload.run(makeCtx({ pod, data }));
      expect(r).toMatchObject({ status: 'skip', message: expect.stringMatching(/^not observable from the pod: the volume token-copy is mounted readOnly/) });
    });

    test('an audit log that cannot be read: the skip says so', async () => {
      const data = fakeSource({
        mountedToken: got(mountedFiles(extended(30), { writtenMinAgo: 30, readMinAgo: 30 })),
        tokenUses: missing({ kind: 'error', message: 'the audit log could not be read: ENOENT' }),
      });
      const r = await appTokenReload.run(makeCtx({ pod: projectedPod(), data }));
      expect(r).toMatchObject({ status: 'skip', message: 'could not fetch: the audit log could not be read: ENOENT' });
    });
  });

  describe('judged by the audit log (--audit-log)', () => {
    const raw = extended(30);
    const current = `JTI=${jtiOf(raw)}`;
    const run = (tokens: TokenUses['tokens']) =>
      appTokenReload.run(makeCtx({
        pod: projectedPod(),
        data: fakeSource({ mountedToken: got(mountedFiles(raw, { writtenMinAgo: 30, readMinAgo: 29 })), tokenUses: got({ requests: tokens.reduce((n, t) => n + t.count, 0), tokens }) }),
      }));

    test('requests after the rotation audited stale-token: warns that the app caches its token', async () => {
      const r = await run([{ credential: 'JTI=older', count: 40, first: at(170), last: at(1), stale: 12, lastStale: at(1) }]);
      expect(r.status).toBe('warn');
      expect(r.message).toMatch(/^the app caches its token: its requests as late as .* \(60s ago\) were audited stale-token/);
      expect(r.fix[0]).toMatch(/^# the fix is in the app/);
    });

    test('requests after the rotation with another token than the file\'s: warns', async () => {
      const r = await run([{ credential: 'JTI=older', count: 9, first: at(170), last: at(3), stale: 0 }]);
      expect(r).toMatchObject({ status: 'warn', message: expect.stringMatching(/carried a token other than the file's, though the kubelet rotated the file 30m ago/) });
    });

    test('every request after the rotation carries the file\'s token: passes', async () => {
      const r = await run([
        { credential: current, count: 5, first: at(29), last: at(1), stale: 0 },
        { credential: 'JTI=older', count: 5, first: at(70), last: at(29.5), stale: 0 },
      ]);
      expect(r).toMatchObject({ status: 'pass', message: expect.stringMatching(/^the app presents the current token/) });
    });

    test('no request since the rotation: not observable yet', async () => {
      const r = await run([{ credential: 'JTI=older', count: 5, first: at(70), last: at(40), stale: 0 }]);
      expect(r).toMatchObject({ status: 'skip', message: expect.stringMatching(/^not observable yet: the audit log has no request of this pod's since/) });
    });

    test('rotated within the re-read grace: not observable yet, saying until when', async () => {
      const fresh = extended(1);
      const r = await appTokenReload.run(makeCtx({
        pod: projectedPod(),
        data: fakeSource({ mountedToken: got(mountedFiles(fresh, { writtenMinAgo: 1, readMinAgo: 1 })), tokenUses: got({ requests: 0, tokens: [] }) }),
      }));
      expect(r).toMatchObject({ status: 'skip', message: expect.stringMatching(/^not observable yet: the kubelet rotated the file 60s ago, and an app gets 2m to re-read it \(until .*\(in 60s\)\)$/) });
    });

    test('no credential ids: a request after the previous token\'s warnafter not audited stale passes; before it, not observable', async () => {
      // The file was written 30 min ago: the previous token (issued 48 min before it) reached warnafter 18 min ago.
      expect((await run([{ credential: '', count: 3, first: at(29), last: at(10), stale: 0 }])).status).toBe('pass');
      expect((await run([{ credential: '', count: 3, first: at(29), last: at(25), stale: 0 }])).status).toBe('skip');
    });
  });

  describe('a writable token mount: judged by the access time', () => {
    test('passes when the app read the token after the last rotation', async () => {
      const data = fakeSource({ mountedToken: got(mountedFiles(extended(10), { writtenMinAgo: 10, readMinAgo: 1 })) });
      expect((await appTokenReload.run(makeCtx({ pod: writablePod(), data }))).status).toBe('pass');
    });

    test('warns when the app caches an extended token past its warnafter', async () => {
      // Rotated 30 min ago and not read since (atime = mtime): the app holds an older token.
      const data = fakeSource({ mountedToken: got(mountedFiles(extended(30), { writtenMinAgo: 30, readMinAgo: 30 })) });
      const r = await appTokenReload.run(makeCtx({ pod: writablePod(), data }));
      expect(r.status).toBe('warn');
      expect(r.message).toMatch(/caches its token.*past warnafter/);
      // The app's own change first (a comment: no command does it), the restart labelled a stopgap.
      expect(r.fix).toEqual([
        '# the fix is in the app: re-read /var/run/secrets/kubernetes.io/serviceaccount/token before each API call, or use a client library that does (client-go, the official ones); no command does this',
        'kubectl delete pod web-7d4b9c-x2x9q -n default  # stopgap: a fresh token buys one more lifetime until the app re-reads its token',
      ]);
    });

    test('fails when the cached token, not extended, has expired', async () => {
      const raw = makeBoundToken({ serviceAccount: sa, issuedAt: new Date(TEST_NOW.getTime() - 30 * 60_000), expirationSeconds: 3600 });
      const data = fakeSource({ mountedToken: got(mountedFiles(raw, { writtenMinAgo: 30, readMinAgo: 30 })) });
      const r = await appTokenReload.run(makeCtx({ pod: writablePod(), data }));
      expect(r.status).toBe('fail');
      // The previous file was issued 48 min (80 % of 1 h) before this one: its hour ended 18 min ago.
      expect(r.message).toMatch(/expired about 18m ago, so its API calls get 401/);
    });

    test('warns ahead of time when the held token is still within its lifetime', async () => {
      const data = fakeSource({ mountedToken: got(mountedFiles(extended(5), { writtenMinAgo: 5, readMinAgo: 5 })) });
      const r = await appTokenReload.run(makeCtx({ pod: writablePod(), data }));
      expect(r.status).toBe('warn');
      expect(r.message).toMatch(/seems to cache it, and the token it holds ends .*\(in 7m\)/);
    });
  });

  test('skips without exec', async () => {
    expect((await appTokenReload.run(makeCtx({ data: fakeSource({ mountedToken: noExec() }) }))).status).toBe('skip');
  });
});
