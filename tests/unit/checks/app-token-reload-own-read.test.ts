/**
 * app-token-reload when the token file's atime was left by the plugin's own earlier read: only on a
 * writable token mount (a copy in an emptyDir), where a read in the container moves the atime.
 */
import { appTokenReload } from '../../../src/checks/app-token-reload';
import { got } from '../../../src/checks/context';
import { makeBoundToken, TEST_NOW } from '../../support/tokens';
import { fakeSource, makeCtx, makePod, mountedFiles, SA_DIR, SA_UID } from './fakes';

const sa = { name: 'app', uid: SA_UID };
const ago = (min: number) => new Date(TEST_NOW.getTime() - min * 60_000);
const pod = makePod((p) => {
  p.status!.containerStatuses![0].state!.running!.startedAt = ago(180);
  p.spec!.volumes = [{ name: 'token-copy', emptyDir: {} }];
  p.spec!.containers[0].volumeMounts = [{ name: 'token-copy', mountPath: SA_DIR }];
});
const token = makeBoundToken({ serviceAccount: sa, issuedAt: ago(30), expirationSeconds: 365 * 86400, warnAfterSeconds: 3607 });

/** Rotated 30 min ago; the atime before our read at `oursMinAgo`, as the reader hands it over. */
function ownRead(oursMinAgo: number, appReadMinAgo = 30) {
  const m = mountedFiles(token, { writtenMinAgo: 30, readMinAgo: appReadMinAgo });
  m.files.token = { ...m.files.token!, ownReadAt: ago(oursMinAgo) };
  return makeCtx({ pod, data: fakeSource({ mountedToken: got(m) }) });
}

test('not read by the app before our read 25 min after the rotation: it caches, as the first diagnosis said', async () => {
  const r = await appTokenReload.run(ownRead(5));
  expect(r.status).toBe('warn');
  expect(r.message).toMatch(/^the app caches its token: it had not read the file 25m after the kubelet rotated it \(30m ago\), and the token it holds is past warnafter/);
  expect(r.evidence?.join('\n')).toMatch(/token file last read: not since it was written, as of satoken's own read .*\(5m ago\)/);
});

test('our read came within the grace after the rotation: not observable, not healthy', async () => {
  const r = await appTokenReload.run(ownRead(29.5));
  expect(r.status).toBe('skip');
  expect(r.message).toMatch(/^unobservable until the next rotation: satoken read the token 30s after the kubelet rotated it/);
});

test('the app had read it before our read: passes', async () => {
  expect((await appTokenReload.run(ownRead(5, 29))).status).toBe('pass');
});
