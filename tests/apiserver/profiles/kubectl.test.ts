/**
 * The real kubectl against every profile, with the kubeconfig that provider's tooling writes:
 * exec plugins (the stand-ins, found on PATH as the real commands would be), OpenShift's bearer
 * token, client certificates. `kubectl auth whoami` shows the identity the provider maps the
 * credential to; issuer discovery is open to the admin and to ServiceAccounts, forbidden to the
 * viewer. Skipped, with the reason printed, when no kubectl >= 1.28 is on PATH.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { start, type Emulator } from '../index';
import { PROFILE_NAMES, PROFILES } from './index';

function kubectlOk(): string | undefined {
  try {
    const v = JSON.parse(execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).clientVersion;
    return v.major === '1' && parseInt(String(v.minor), 10) >= 28 ? undefined : `kubectl ${v.gitVersion} is older than 1.28`;
  } catch (e) {
    return `kubectl not runnable: ${(e as Error).message.split('\n')[0]}`;
  }
}
const skip = kubectlOk();
if (skip) process.stdout.write(`profiles/kubectl: skipped (${skip})\n`);
const suite = skip ? describe.skip : describe;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(k: Emulator, args: string[], home: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, ...k.execEnv, KUBECONFIG: k.kubeconfigPath, HOME: home }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

suite.each(PROFILE_NAMES)('kubectl against the %s profile', (name) => {
  const p = PROFILES[name];
  const home = mkdtempSync(path.join(tmpdir(), `profile-kubectl-${name}-`));
  let admin: Emulator;
  let viewer: Emulator;
  beforeAll(async () => {
    [admin, viewer] = await Promise.all([start({ profile: name }), start({ profile: name, identity: 'viewer' })]);
  });
  afterAll(() => Promise.all([admin?.stop(), viewer?.stop()]));

  test('the kubeconfig has the provider shape', () => {
    const kc = parse(admin.kubeconfig);
    expect(kc['current-context']).toBe(p.kubeconfig.context);
    expect(kc.clusters[0].name).toBe(p.kubeconfig.cluster);
    const user = kc.users[0];
    expect(user.name).toBe(p.kubeconfig.user);
    if (p.kubeconfig.shape.kind === 'exec') {
      expect(user.user.exec).toMatchObject({ apiVersion: p.kubeconfig.shape.exec.apiVersion, command: p.kubeconfig.shape.exec.command });
      expect(Object.keys(user.user)).toEqual(['exec']);
      expect(admin.execEnv.PATH!.split(path.delimiter)[0]).toMatch(/exec-plugins$/);
    } else if (p.kubeconfig.shape.kind === 'token') {
      expect(user.user.token).toMatch(/^sha256~[A-Za-z0-9_-]{43}$/);
      expect(admin.execEnv).toEqual({});
    } else {
      expect(Object.keys(user.user).sort()).toEqual(['client-certificate-data', 'client-key-data']);
    }
  });

  test('kubectl auth whoami shows the identity the provider maps the credential to', async () => {
    for (const [k, identity] of [[admin, p.kubeconfig.identities.admin], [viewer, p.kubeconfig.identities.viewer]] as const) {
      const r = await kubectl(k, ['auth', 'whoami', '-o', 'json'], home);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const info = JSON.parse(r.stdout).status.userInfo;
      expect(info.username).toBe(identity.username);
      expect(info.groups).toEqual(identity.groups);
      if (identity.uid) expect(info.uid).toBe(identity.uid);
    }
  });

  test('kubectl get pods -A works for the admin and the viewer', async () => {
    for (const k of [admin, viewer]) {
      const r = await kubectl(k, ['get', 'pods', '-A', '-o', 'name'], home);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^pod\/coredns-/m);
    }
  });

  test('issuer discovery: the admin reads it, the viewer is forbidden, a ServiceAccount reads it', async () => {
    const a = await kubectl(admin, ['get', '--raw', '/.well-known/openid-configuration'], home);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout).issuer).toBe(p.issuers[0]);
    const v = await kubectl(viewer, ['get', '--raw', '/openid/v1/jwks'], home);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('Error from server (Forbidden)');
    const token = (await viewer.adminRequest('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { spec: {} })).body.status.token;
    const sa = await viewer.request('GET', '/openid/v1/jwks', { token });
    expect(sa.status).toBe(200);
    expect(sa.body.keys.length).toBeGreaterThan(0);
  });
});
