/**
 * app-token-reload with --audit-log on a pod of several containers: the audit log names the pod and
 * the token, not the container, so the check tells the containers' requests apart by the token each
 * holds now. The timeline is the one a real node showed: 600 s tokens (not extended, no warnafter, so
 * never audited stale-token), rotated at about 8 min; a container that caches keeps presenting its
 * first token until exp + the API server's 60 s leeway, then gets 401s the audit log cannot tie to
 * the pod.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { appTokenReload } from '../../../src/checks/app-token-reload';
import { got, missing, type ContainerToken, type TokenUse } from '../../../src/checks/context';
import { makeBoundToken, TEST_NOW } from '../../support/tokens';
import { fakeSource, makeCtx, makePod, mountedFiles, SA_DIR, SA_UID } from './fakes';

const sa = { name: 'app', uid: SA_UID };
const s = (secondsAfterStart: number) => new Date(START + secondsAfterStart * 1000);
/** The pod started 11 minutes before the check runs. */
const START = TEST_NOW.getTime() - 660_000;
const iso = (secondsAfterStart: number) => s(secondsAfterStart).toISOString();

/** A 600 s token issued `issued` s after the start, with its own jti. */
const token = (jti: string, issued: number) => makeBoundToken({ serviceAccount: sa, issuedAt: s(issued), expirationSeconds: 600, jti });

const volume = (name: string) => ({ name, projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 600 } }] } });

/** Two containers, `rereads` and `caches`: each with a volume of its own, or both mounting one. */
function twoContainerPod(shared: boolean): V1Pod {
  return makePod((p) => {
    p.spec!.volumes = shared ? [volume('token')] : [volume('token-rereads'), volume('token-caches')];
    p.spec!.containers = ['rereads', 'caches'].map((name) => ({
      name, image: 'busybox', volumeMounts: [{ name: shared ? 'token' : `token-${name}`, mountPath: SA_DIR, readOnly: true }],
    }));
    p.status!.containerStatuses = ['rereads', 'caches'].map((name) => ({ name, ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: s(1) } } }));
  });
}

const use = (credential: string, first: number, last: number): TokenUse => ({ credential: `JTI=${credential}`, count: Math.round((last - first) / 4) + 1, first: iso(first), last: iso(last), stale: 0 });

async function judge(o: { shared: boolean; container: 'rereads' | 'caches'; file: string; others?: ContainerToken[] | 'unread'; uses: TokenUse[] }) {
  const pod = twoContainerPod(o.shared);
  const ctx = makeCtx({
    pod,
    data: fakeSource({
      // The file was rewritten 482 s after the start, the kubelet's rotation at 80 % of 600 s.
      mountedToken: got(mountedFiles(token(o.file, 481), { writtenMinAgo: (660 - 482) / 60, readMinAgo: (660 - 490) / 60 })),
      tokenUses: got({ requests: o.uses.reduce((n, u) => n + u.count, 0), tokens: o.uses }),
      ...(o.others === undefined ? {} : { podTokens: o.others === 'unread' ? missing({ kind: 'no-exec', message: 'disabled by --no-exec' }) : got(o.others) }),
    }),
  });
  ctx.container = pod.spec!.containers.find((c) => c.name === o.container)!;
  return appTokenReload.run(ctx);
}

describe('app-token-reload per container (--audit-log, a pod of two containers)', () => {
  // Each container its own token: rereads presents a1 after its rotation, caches keeps b0 until it expires.
  const apart = [use('a0', 2, 486), use('a1', 486, 658), use('b0', 2, 658)];

  test('containers with tokens of their own: the re-reading one passes, though the pod presents an older token', async () => {
    const r = await judge({ shared: false, container: 'rereads', file: 'a1', others: [{ container: 'caches', volume: 'token-caches', credential: 'JTI=b1' }], uses: apart });
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/^this container presents its current token: .*; the older token the pod presents is another container's \(caches\)$/);
    expect(r.evidence).toContain('container caches: holds a token of its own');
  });

  test('containers with tokens of their own: the caching one warns, by name of no other', async () => {
    const r = await judge({ shared: false, container: 'caches', file: 'b1', others: [{ container: 'rereads', volume: 'token-rereads', credential: 'JTI=a1' }], uses: apart });
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/^the app caches its token: its requests as late as .* carried a token no container of the pod holds now, though the kubelet rotated the file 2m ago/);
    expect(r.fix[0]).toMatch(/^# the fix is in the app/);
  });

  test('without the other containers\' tokens (diagnose --self): the single-container judgement, which cannot clear the re-reading one', async () => {
    // Without the other containers' tokens the check cannot tell whose an older token is: it keeps
    // the single-container judgement, which is what diagnose --self and the fakes without podTokens see.
    const r = await judge({ shared: false, container: 'rereads', file: 'a1', uses: apart });
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/carried a token other than the file's/);
  });

  test('the other containers\' tokens not readable (no exec): the one presenting its current token passes, the unknown one is named', async () => {
    const r = await judge({ shared: false, container: 'rereads', file: 'a1', others: 'unread', uses: apart });
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/the older token the pod presents is another container's \(caches\)$/);
    expect(r.evidence).toEqual(expect.arrayContaining(['the other containers\' tokens: not known (disabled by --no-exec)', 'container caches: its token is not known']));
  });

  test('the other containers\' tokens not readable (no exec): the silent or caching one cannot be told, both are named', async () => {
    const r = await judge({ shared: false, container: 'caches', file: 'b1', others: 'unread', uses: apart });
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/^an app of this pod caches its token, in this container or in rereads \(the audit log names the pod, not the container\)/);
  });

  test('one token for both containers: the audit log cannot tell them apart, and each verdict names both', async () => {
    const shared = [use('t0', 2, 658), use('t1', 486, 658)];
    for (const container of ['rereads', 'caches'] as const) {
      const other = container === 'rereads' ? 'caches' : 'rereads';
      const r = await judge({ shared: true, container, file: 't1', others: [{ container: other, volume: 'token', why: 'it mounts the same volume' }], uses: shared });
      expect({ container, status: r.status }).toEqual({ container, status: 'warn' });
      expect(r.message).toMatch(new RegExp(`^an app of this pod caches its token, in this container or in ${other} \\(the audit log names the pod, not the container; it holds the same token as ${other}, so their requests look alike\\): the pod's requests as late as`));
    }
  });

  test('after the cached token expired: its 401s name no pod, and the caching container is not passed', async () => {
    // Second rotation long past: only rereads' current token is presented.
    const late = [use('a2', 970, 1200)];
    const pod = twoContainerPod(false);
    const file = { size: 900, atime: s(970), mtime: s(962) };
    const ctx = makeCtx({
      pod,
      data: fakeSource({
        mountedToken: got({ ...mountedFiles(token('b2', 962)), files: { token: file, 'ca.crt': file, namespace: file } }),
        tokenUses: got({ requests: 58, tokens: late }),
        podTokens: got([{ container: 'rereads', volume: 'token-rereads', credential: 'JTI=a2' }]),
      }),
    });
    ctx.container = pod.spec!.containers[1];
    // Judged at 1210 s: the file was written at 962 s.
    ctx.now = s(1210);
    const r = await appTokenReload.run(ctx);
    expect(r.status).toBe('skip');
    expect(r.message).toMatch(/^not observable: since .* the pod's requests carry the other containers' current tokens and none this container's: .*refuses \(401\) without naming the pod/);
  });

  test('a single-container pod keeps its verdicts (the others are not read)', async () => {
    const data = fakeSource({
      mountedToken: got(mountedFiles(token('a1', 481), { writtenMinAgo: (660 - 482) / 60, readMinAgo: (660 - 490) / 60 })),
      tokenUses: got({ requests: 10, tokens: [use('a0', 2, 486), use('a1', 486, 658)] }),
      podTokens: got([]),
    });
    const pod = makePod((p) => (p.status!.containerStatuses![0].state!.running!.startedAt = s(1)));
    const r = await appTokenReload.run(makeCtx({ pod, data }));
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/^the app presents the current token/);
    expect((data as any).calls.podTokens).toBeUndefined();
  });
});
