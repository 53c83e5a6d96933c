/**
 * The projected volume plugin and the AtomicWriter, as `kubectl exec` shows them (issue 16 audit).
 * Upstream rules checked:
 * - pkg/volume/util/atomic_writer.go Write: the payload lives in one `..<timestamp>.<random>` dir,
 *   `..data` links to it, every top-level name is a link `<name> -> ..data/<name>`;
 * - pkg/volume/projected/projected.go collectData: a serviceAccountToken file gets the volume's
 *   defaultMode, or 0600 owned by FsUser when the pod has an fsUser or fsGroup; every
 *   serviceAccountToken source is fetched on its own (audience, expirationSeconds, path), bound to
 *   the pod;
 * - pkg/volume/util/util.go FsUserFrom: the runAsUser all containers share;
 * - pkg/volume/volume_linux.go changeFilePermission: with fsGroup every entry's group is fsGroup,
 *   files `| 0440`, directories `| setgid | 0110 | 0440`;
 * - pkg/registry/core/serviceaccount/storage/token.go Create: only API-audience 3607 s pod-bound
 *   tokens get the one-year extension (warnafter); an identity webhook's audience does not.
 */
import { start, type Emulator } from '../index';
import { claimsOf, kubectlMissing, Shell } from './kubectl';

if (kubectlMissing) process.stdout.write(`projected-volume: skipped (${kubectlMissing})\n`);
const suite = kubectlMissing ? describe.skip : describe;
const DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

let k: Emulator;
const sh = new Shell(() => k);

function pod(name: string, spec: Record<string, unknown> = {}, containerExtra: Record<string, unknown> = {}) {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'debian:12', ...containerExtra }], ...spec } });
}

suite('projected volume and AtomicWriter (projected.go, atomic_writer.go)', () => {
  beforeAll(async () => {
    k = await start();
    await sh.ok(['create', 'namespace', 'vol']);
  }, 60_000);
  afterAll(async () => {
    await k?.stop();
    sh.cleanup();
  });

  const exec = (name: string, ...argv: string[]) => sh.ok(['-n', 'vol', 'exec', name, '--', ...argv]);

  test('layout: ..data -> ..<timestamp>.<random>, user-visible links into ..data, files 0644 (defaultMode 420)', async () => {
    await sh.ok(['-n', 'vol', 'apply', '-f', '-'], pod('plain'));
    const ls = await exec('plain', 'ls', '-la', DIR);
    expect(ls).toMatch(/ \.\.data -> \.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+\n/);
    for (const f of ['ca.crt', 'namespace', 'token']) expect(ls).toContain(` ${f} -> ..data/${f}\n`);
    expect(await exec('plain', 'stat', '-L', '-c', '%a %u %g', `${DIR}/token`)).toBe('644 0 0\n');
    expect(await exec('plain', 'cat', `${DIR}/namespace`)).toBe('vol');
  });

  test('runAsUser shared by every container: the token is 0600 and owned by it; the CA stays 0644 root', async () => {
    await sh.ok(['-n', 'vol', 'apply', '-f', '-'], pod('nonroot', { securityContext: { runAsUser: 1000 } }));
    expect(await exec('nonroot', 'stat', '-L', '-c', '%a %u %g', `${DIR}/token`)).toBe('600 1000 0\n');
    expect(await exec('nonroot', 'stat', '-L', '-c', '%a %u %g', `${DIR}/ca.crt`)).toBe('644 0 0\n');
  });

  test('containers with different runAsUser: no fsUser, the token keeps defaultMode', async () => {
    const p = JSON.parse(pod('mixed', { securityContext: { runAsUser: 1000 } }));
    p.spec.containers.push({ name: 'side', image: 'debian:12', securityContext: { runAsUser: 2000 } });
    await sh.ok(['-n', 'vol', 'apply', '-f', '-'], JSON.stringify(p));
    expect(await exec('mixed', 'stat', '-L', '-c', '%a %u', `${DIR}/token`)).toBe('644 0\n');
  });

  test('fsGroup: the token is 0640 with the group, every file and dir gets the group (dirs setgid)', async () => {
    await sh.ok(['-n', 'vol', 'apply', '-f', '-'], pod('group', { securityContext: { fsGroup: 2000 } }));
    expect(await exec('group', 'stat', '-L', '-c', '%a %u %g', `${DIR}/token`)).toBe('640 0 2000\n');
    expect(await exec('group', 'stat', '-L', '-c', '%a %g', `${DIR}/ca.crt`)).toBe('644 2000\n');
    expect(await exec('group', 'stat', '-L', '-c', '%A %g', `${DIR}/..data`)).toBe('drwxr-sr-x 2000\n');
  });

  test('an extra serviceAccountToken source (an identity webhook shape) is fetched with its own audience, expiry and path', async () => {
    const p = JSON.parse(pod('irsa', {
      volumes: [{ name: 'aws-iam-token', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } }],
    }, { volumeMounts: [{ name: 'aws-iam-token', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount', readOnly: true }] }));
    await sh.ok(['-n', 'vol', 'apply', '-f', '-'], JSON.stringify(p));
    const c = claimsOf(await exec('irsa', 'cat', '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'));
    expect(c.aud).toEqual(['sts.amazonaws.com']);
    expect(c.exp - c.iat).toBe(86400);
    expect(c['kubernetes.io'].pod.name).toBe('irsa');
    expect(c['kubernetes.io'].warnafter).toBeUndefined();
    // the default token beside it is the API-audience one, extended for a year with warnafter
    const d = claimsOf(await exec('irsa', 'cat', `${DIR}/token`));
    expect(d.exp - d.iat).toBe(365 * 24 * 3600);
    expect(d['kubernetes.io'].warnafter - d.iat).toBe(3607);
  });
});
