/** Each profile's issuer and API audiences, as the running emulator issues and accepts tokens. */
import { start, type Emulator } from '../index';
import { parseArgs } from '../cli';
import { PROFILE_NAMES, PROFILES, profileNamed } from './index';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));

describe.each(PROFILE_NAMES)('profile %s', (name) => {
  let k: Emulator;
  beforeAll(async () => {
    k = await start({ profile: name });
  });
  afterAll(() => k.stop());

  test('a TokenRequest without audiences gets the profile API audiences, signed by its issuer, and authenticates', async () => {
    const p = PROFILES[name];
    const r = await k.adminRequest('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    expect(r.status).toBe(201);
    const c = claims(r.body.status.token);
    expect(c.iss).toBe(p.issuers[0]);
    expect(c.aud).toEqual(p.apiAudiences ?? p.issuers);
    const who = await k.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token: r.body.status.token, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(who.status).toBe(201);
    expect(who.body.status.userInfo.username).toBe('system:serviceaccount:default:default');
  });

  test('the nodes are the profile nodes, with its labels, and pods schedule onto them', async () => {
    const p = PROFILES[name];
    const nodes = (await k.adminRequest('GET', '/api/v1/nodes')).body.items;
    expect(nodes.map((n: any) => n.metadata.name).sort()).toEqual(p.nodes.map((n) => n.name).sort());
    for (const n of p.nodes) expect(nodes.find((o: any) => o.metadata.name === n.name).metadata.labels).toMatchObject({ ...n.labels, 'kubernetes.io/hostname': n.name });
    const pods = (await k.adminRequest('GET', '/api/v1/pods')).body.items;
    for (const pod of pods) expect(p.nodes.map((n) => n.name)).toContain(pod.spec.nodeName);
  });

  test('the control plane is visible exactly as on the provider', async () => {
    const p = PROFILES[name];
    const pods = (await k.adminRequest('GET', '/api/v1/pods')).body.items as any[];
    const apiservers = pods.filter((pod) => /^kube-apiserver-/.test(pod.metadata.name)).map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}`);
    const cp = p.nodes.find((n) => n.controlPlane)?.name;
    if (p.controlPlane === 'kubeadm-static-pods') expect(apiservers).toEqual([`kube-system/kube-apiserver-${cp}`]);
    else if (p.controlPlane === 'openshift-kube-apiserver') {
      expect(apiservers).toEqual([`openshift-kube-apiserver/kube-apiserver-${cp}`]);
      const cm = await k.adminRequest('GET', '/api/v1/namespaces/openshift-kube-apiserver/configmaps/config');
      const config = JSON.parse(cm.body.data['config.yaml']);
      expect(config).toMatchObject({ kind: 'KubeAPIServerConfig', apiServerArguments: { 'service-account-issuer': p.issuers } });
    } else expect(apiservers).toEqual([]);
  });

  test('discovery names the profile issuer', async () => {
    const r = await k.adminRequest('GET', '/.well-known/openid-configuration');
    expect(r.body.issuer).toBe(PROFILES[name].issuers[0]);
  });
});

test('--issuer overrides the profile issuer and drops its audiences (upstream default: the issuers)', () => {
  const o = parseArgs(['--kubeconfig', 'k', '--profile', 'eks', '--issuer', 'https://example.test']);
  expect(o.profile).toBe('eks');
  expect(o.issuers).toEqual(['https://example.test']);
});

test('--identity and --provider-version reach the start options; a bad identity is refused', () => {
  expect(parseArgs(['--kubeconfig', 'k', '--profile', 'openshift', '--identity', 'viewer', '--provider-version', '4.15'])).toMatchObject({ profile: 'openshift', identity: 'viewer', providerVersion: '4.15' });
  expect(() => parseArgs(['--kubeconfig', 'k', '--identity', 'root'])).toThrow('--identity must be admin or viewer (got "root")');
});

test('an unknown profile is refused with the known names', () => {
  expect(() => parseArgs(['--kubeconfig', 'k', '--profile', 'eksx'])).toThrow('--profile must be one of kubeadm, eks, gke, aks, k3s, openshift (got "eksx")');
  expect(() => profileNamed('nope')).toThrow('unknown profile "nope"');
});
