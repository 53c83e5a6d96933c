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

test('an unknown profile is refused with the known names', () => {
  expect(() => parseArgs(['--kubeconfig', 'k', '--profile', 'eksx'])).toThrow('--profile must be one of kubeadm, eks, gke, aks, k3s, openshift (got "eksx")');
  expect(() => profileNamed('nope')).toThrow('unknown profile "nope"');
});
