/**
 * `kubectl auth whoami` and the plugin agree on who the user is, for every kubeconfig shape the
 * emulator's provider profiles write: exec v1beta1 (`aws eks get-token`), exec with
 * provideClusterInfo and installHint (`gke-gcloud-auth-plugin`), `kubelogin`, OpenShift's bearer
 * token, client certificates (kubeadm, k3s) — each as the admin and as the viewer. The built bundle
 * runs as a user would run it; the stand-in plugins are found on PATH (Emulator.execEnv), as the
 * real commands would be. Skipped, saying why, when no kubectl >= 1.28 is on PATH.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../../apiserver';
import { PROFILE_NAMES } from '../../apiserver/profiles';
import { BIN, ensureBundle, NODE24 } from '../../support/bundle';
import { findKubectl } from '../../support/kubectl';
import { runProcess as run } from '../../support/process';

const kubectl = findKubectl();
if (!kubectl) process.stdout.write('whoami-profiles: skipped (no kubectl >= 1.28 on PATH)\n');
const suite = kubectl ? describe : describe.skip;

const dir = mkdtempSync(path.join(tmpdir(), 'satoken-whoami-'));
beforeAll(() => ensureBundle());

suite.each(PROFILE_NAMES.flatMap((p) => [[p, 'admin'] as const, [p, 'viewer'] as const]))('%s profile, %s kubeconfig', (profile, identity) => {
  let k: Emulator;
  let env: Record<string, string | undefined>;
  beforeAll(async () => {
    k = await start({ profile, identity, scenarios: 'none', kubeconfigPath: path.join(dir, `${profile}-${identity}.config`) });
    // Node 24 first (the bundle refuses an older one), then the stand-in plugins, as execEnv says.
    const pathVar = [path.dirname(NODE24), k.execEnv.PATH ?? process.env.PATH].join(path.delimiter);
    env = { ...process.env, ...k.execEnv, PATH: pathVar, KUBECONFIG: k.kubeconfigPath, HOME: dir };
  }, 60_000);
  afterAll(() => k?.stop());

  it('whoami -o json names the same user, uid, groups and extras as kubectl auth whoami -o json', async () => {
    const [mine, theirs] = await Promise.all([run(BIN, ['whoami', '-o', 'json'], env), run(kubectl!, ['auth', 'whoami', '-o', 'json'], env)]);
    expect(theirs.stderr).toBe('');
    expect(mine.stderr).toBe('');
    expect(mine.code).toBe(0);
    const m = JSON.parse(mine.stdout);
    const t = JSON.parse(theirs.stdout).status.userInfo;
    expect(m.user).toEqual({ username: t.username, ...(t.uid ? { uid: t.uid } : {}), groups: t.groups ?? [], extra: t.extra ?? {} });
    expect(m.user.username).not.toBe('system:anonymous');
    const shape = k.profile.kubeconfig.shape.kind;
    expect(m.credential.kind).toBe(shape === 'exec' ? 'exec' : shape === 'token' ? 'token' : 'client-certificate');
  }, 60_000);

  it('the table is kubectl auth whoami\'s', async () => {
    const [mine, theirs] = await Promise.all([run(BIN, ['whoami'], env), run(kubectl!, ['auth', 'whoami'], env)]);
    expect(mine.stdout).toBe(theirs.stdout);
  }, 60_000);
});
