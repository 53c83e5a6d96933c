import { tokenVolume } from '../admission/pod';
import type { Pod } from '../host';
import { authenticateBearer } from '../tokens/authenticate';
import { memoryHost, objects, type MemoryHost } from '../tokens/memory-host';
import { Kubelet } from './kubelet';

const DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const payload = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

/** A pod as admission leaves it: the kube-api-access projected volume mounted in every container. */
function apiAccessPod(name: string, annotations: Record<string, string> = {}, extraSources: Pod['spec']['volumes'] = []): Pod {
  const pod = objects.pod('ns', name, { serviceAccountName: 'app', nodeName: 'node-1', annotations });
  pod.status = { phase: 'Running', startTime: '2026-11-28T16:00:00Z' };
  pod.spec.volumes = [
    tokenVolume('kube-api-access-abcde') as NonNullable<Pod['spec']['volumes']>[number],
    ...(extraSources ?? []),
  ];
  pod.spec.containers = [{ name: 'app', image: 'example/app:1', volumeMounts: [{ name: 'kube-api-access-abcde', mountPath: DIR, readOnly: true }] }];
  return pod;
}

function cluster(opts: Parameters<typeof memoryHost>[0] = {}): MemoryHost {
  const host = memoryHost(opts);
  host.add(objects.serviceAccount('ns', 'app'));
  host.add(objects.node('node-1'));
  host.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name: 'kube-root-ca.crt', uid: 'cm' }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } });
  return host;
}

function setup(annotations: Record<string, string> = {}, opts: Parameters<typeof memoryHost>[0] = {}) {
  const host = cluster(opts);
  host.add(apiAccessPod('web', annotations));
  const kubelet = new Kubelet(host);
  kubelet.sync();
  const exec = (...argv: string[]) => kubelet.exec('ns', 'web', undefined, argv);
  const stdout = (...argv: string[]) => {
    const r = exec(...argv);
    if (!r.ok) throw new Error(r.status.message);
    return r.stdout;
  };
  return { host, kubelet, exec, stdout };
}

describe('the projected volume as the kubelet writes it', () => {
  it('has the AtomicWriter layout, listed by GNU ls -la', () => {
    const { stdout } = setup();
    const lines = stdout('ls', '-la', DIR).split('\n');
    const ts = /^\.\.2026_11_28_16_00_00\.\d+$/;
    const tsName = lines[3]!.split(' ').pop()!;
    expect(tsName).toMatch(ts);
    expect(lines).toEqual([
      'total 4',
      'drwxrwxrwt 3 root root  140 Nov 28 16:00 .',
      'drwxr-xr-x 3 root root 4096 Nov 28 16:00 ..',
      `drwxr-xr-x 2 root root  100 Nov 28 16:00 ${tsName}`,
      `lrwxrwxrwx 1 root root ${String(tsName.length).padStart(4)} Nov 28 16:00 ..data -> ${tsName}`,
      'lrwxrwxrwx 1 root root   13 Nov 28 16:00 ca.crt -> ..data/ca.crt',
      'lrwxrwxrwx 1 root root   16 Nov 28 16:00 namespace -> ..data/namespace',
      'lrwxrwxrwx 1 root root   12 Nov 28 16:00 token -> ..data/token',
      '',
    ]);
  });

  it('holds a pod-bound token with the node, the CA and the namespace', () => {
    const { stdout, host } = setup();
    const token = stdout('cat', `${DIR}/token`);
    const c = payload(token);
    expect(c['kubernetes.io'].pod).toEqual({ name: 'web', uid: 'pod-ns-web' });
    expect(c['kubernetes.io'].node).toEqual({ name: 'node-1', uid: 'node-node-1' });
    expect(c['kubernetes.io'].warnafter - c.iat).toBe(3607);
    expect(authenticateBearer(token, host).ok).toBe(true);
    expect(stdout('cat', `${DIR}/namespace`)).toBe('ns');
    expect(stdout('cat', `${DIR}/ca.crt`)).toContain('BEGIN CERTIFICATE');
  });
});

describe('rotation (token_manager requiresRefresh)', () => {
  it('rotates a 3607 s token once it is older than 80 % of its TTL, rewriting the files, not the links', () => {
    const { host, kubelet, stdout } = setup();
    const first = stdout('cat', `${DIR}/token`);
    const linkBefore = stdout('stat', '-c', '%y', `${DIR}/token`);
    host.advance(2886); // exp - 3607*20/100 s (integer: 721) = iat + 2886 s; refresh strictly after
    kubelet.sync();
    expect(stdout('cat', `${DIR}/token`)).toBe(first);
    host.advance(1);
    kubelet.sync();
    const second = stdout('cat', `${DIR}/token`);
    expect(second).not.toBe(first);
    // Fetched when it became due (1 ms after iat + 2886 s), not when this lazy sync ran: the file
    // holds what a kubelet syncing all along would hold, written then.
    expect(payload(second).iat).toBe(payload(first).iat + 2886);
    expect(stdout('stat', '-L', '-c', '%y', `${DIR}/token`)).toMatch(/^2026-11-28 16:48:06\.\d{9} \+0000\n$/);
    expect(stdout('stat', '-c', '%y', `${DIR}/token`)).toBe(linkBefore);
    expect(stdout('stat', '-L', '-c', '%y', `${DIR}/namespace`)).toMatch(/^2026-11-28 16:48:06/);
  });

  it('refreshes a long custom projected token after 24 h, and respects its audience', () => {
    const host = cluster();
    host.add(
      apiAccessPod('web', {}, [
        { name: 'vault-token', projected: { sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 172800, path: 'vault-token' } }] } },
      ]),
    );
    host.getPod('ns', 'web')!.spec.containers[0]!.volumeMounts!.push({ name: 'vault-token', mountPath: '/var/run/secrets/vault' });
    const kubelet = new Kubelet(host);
    kubelet.sync();
    const read = () => (kubelet.exec('ns', 'web', undefined, ['cat', '/var/run/secrets/vault/vault-token']) as { stdout: string }).stdout;
    const first = read();
    expect(payload(first).aud).toEqual(['vault']);
    expect(payload(first).exp - payload(first).iat).toBe(172800);
    host.advance(86400);
    kubelet.sync();
    expect(read()).toBe(first);
    host.advance(1);
    kubelet.sync();
    expect(read()).not.toBe(first);
  });

  it('stops on a node that is not Ready: the token goes stale, or expires without the extension', () => {
    const { host, kubelet, stdout } = setup({}, { extendTokenExpiration: false });
    const first = stdout('cat', `${DIR}/token`);
    host.nodes.get('node-1')!.status!.conditions = [{ type: 'Ready', status: 'Unknown' }];
    host.advance(3607 + 61);
    kubelet.sync();
    expect(stdout('cat', `${DIR}/token`)).toBe(first);
    const r = authenticateBearer(first, host);
    expect(r.ok ? '' : r.error).toBe('[invalid bearer token, service account token has expired]');
    expect(host.events).toEqual([]);
  });
});

describe('failed refreshes', () => {
  it('keeps a still-valid token silently, then fails the mount once it has expired', () => {
    const host = cluster();
    host.add(apiAccessPod('web'));
    let fault: string | undefined;
    const kubelet = new Kubelet(host, { tokenRequestFault: () => fault });
    kubelet.sync();
    const first = kubelet.appToken('ns', 'web')!.token;
    fault = 'Post "https://10.0.0.1:6443/api/v1/namespaces/ns/serviceaccounts/app/token": dial tcp 10.0.0.1:6443: connect: connection refused';
    host.advance(3000);
    kubelet.sync();
    expect(host.events).toEqual([]);
    expect(kubelet.appToken('ns', 'web')!.token).toBe(first);
    host.advance(608);
    kubelet.sync();
    expect(host.events).toHaveLength(1);
    expect(host.events[0]).toMatchObject({
      type: 'Warning',
      reason: 'FailedMount',
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'ns', uid: 'pod-ns-web' },
      source: { component: 'kubelet', host: 'node-1' },
      message:
        'MountVolume.SetUp failed for volume "kube-api-access-abcde" : token "app"/"ns"/[]string(nil)/3607/v1.BoundObjectReference{Kind:"Pod", APIVersion:"v1", Name:"web", UID:"pod-ns-web"} expired and refresh failed: ' +
        fault,
    });
    // repeated at the retry backoff, not on every sync
    host.advance(60);
    kubelet.sync();
    expect(host.events).toHaveLength(1);
    host.advance(62);
    kubelet.sync();
    expect(host.events).toHaveLength(2);
    // the old token stays in the file
    expect(kubelet.appToken('ns', 'web')!.token).toBe(first);
  });

  it('fails the first mount when the ServiceAccount is missing', () => {
    const host = cluster();
    host.serviceAccounts.clear();
    host.add(apiAccessPod('web'));
    const kubelet = new Kubelet(host);
    kubelet.sync();
    expect(host.events.map((e) => e.message)).toEqual(['MountVolume.SetUp failed for volume "kube-api-access-abcde" : failed to fetch token: serviceaccounts "app" not found']);
    const r = kubelet.exec('ns', 'web', undefined, ['cat', `${DIR}/token`]);
    expect(r.ok && r.stderr).toBe(`cat: ${DIR}/token: No such file or directory\n`);
  });
});

describe('app behaviour annotations', () => {
  it('startup caches the first token; always follows rotation, and its reads leave the atime (read-only mount)', () => {
    const cached = setup({ 'emulator.satoken.dev/token-read': 'startup' });
    const always = setup({ 'emulator.satoken.dev/token-read': 'always', 'emulator.satoken.dev/user-agent': 'controller/2.1' });
    for (const s of [cached, always]) {
      s.host.advance(3000);
      s.kubelet.sync();
    }
    const c = cached.kubelet.appToken('ns', 'web')!;
    expect(c.token).not.toBe(cached.stdout('cat', `${DIR}/token`));
    expect(c.mode).toBe('startup');
    always.host.advance(10);
    const a = always.kubelet.appToken('ns', 'web')!;
    expect(a).toMatchObject({ mode: 'always', userAgent: 'controller/2.1' });
    expect(a.token).toBe(always.stdout('cat', `${DIR}/token`));
    // Written at the rotation (16:48, 80 % of the hour) and read back by that same sync only as the
    // old file; the app's reads (and the cat above) go through the read-only mount.
    expect(always.stdout('stat', '-L', '-c', '%x', `${DIR}/token`)).toBe(always.stdout('stat', '-L', '-c', '%y', `${DIR}/token`));
    // stat does not read: the cached app's new token file was never opened, so atime = mtime
    const fresh = setup({ 'emulator.satoken.dev/token-read': 'startup' });
    fresh.host.advance(3000);
    fresh.kubelet.sync();
    expect(fresh.stdout('stat', '-L', '-c', '%x', `${DIR}/token`)).toBe(fresh.stdout('stat', '-L', '-c', '%y', `${DIR}/token`));
    expect(setup({ 'emulator.satoken.dev/token-read': 'never' }).kubelet.appToken('ns', 'web')).toBeUndefined();
  });
});

describe('atime of the token file', () => {
  const times = (s: ReturnType<typeof setup>) => s.stdout('stat', '-L', '-c', '%x|%y', `${DIR}/token`).trim().split('|');

  it('a read in the container does not move it: the mount is read-only', () => {
    const s = setup({ 'emulator.satoken.dev/token-read': 'never' });
    s.host.advance(3000);
    s.kubelet.sync();
    const [atime, mtime] = times(s);
    // The rotation's write; nothing has read the new file yet.
    expect(mtime).toMatch(/^2026-11-28 16:48:/);
    expect(atime).toBe(mtime);
    s.host.advance(30);
    expect(s.stdout('cat', `${DIR}/token`)).toMatch(/^eyJ/);
    s.host.advance(30);
    s.stdout('cat', `${DIR}/token`);
    expect(times(s)).toEqual([atime, mtime]);
  });

  it('the kubelet\'s next sync reads the file back and moves it once (relatime), for an app that never reads', () => {
    const s = setup({ 'emulator.satoken.dev/token-read': 'never' });
    s.host.advance(3000);
    s.kubelet.sync();
    const [, mtime] = times(s);
    s.host.advance(10);
    s.kubelet.sync();
    const [atime] = times(s);
    expect(atime).toMatch(/^2026-11-28 16:50:10\./);
    s.host.advance(40);
    s.kubelet.sync();
    expect(times(s)).toEqual([atime, mtime]);
  });
});
