import path from 'node:path';
import { inside, invalidName, isDnsLabel, isDnsSubdomain, objectPath } from '../../../../src/commands/migrate-legacy/names';
import { workloadPath } from '../../../../src/commands/migrate-legacy/projected';

describe('Kubernetes names (apimachinery IsDNS1123Label / IsDNS1123Subdomain)', () => {
  test.each(['web', 'web-token-abcde', 'a.b-c.d', '0', 'a'.repeat(253)])('%s is a subdomain', (n) => expect(isDnsSubdomain(n)).toBe(true));
  test.each(['', '.', '..', 'x/../y', 'y%2F..%2Fz', 'Web', '-a', 'a-', 'a..b', 'a\nb', 'a'.repeat(254)])('%j is not', (n) => expect(isDnsSubdomain(n)).toBe(false));
  test('a namespace is a label: no dot, at most 63', () => {
    expect(isDnsLabel('kube-system')).toBe(true);
    expect(isDnsLabel('a.b')).toBe(false);
    expect(isDnsLabel('a'.repeat(64))).toBe(false);
  });
  test('invalidName says which part is wrong', () => {
    expect(invalidName('legacy', 'ok')).toBeUndefined();
    expect(invalidName('le/gacy', 'ok')).toMatch(/namespace "le\/gacy"/);
    expect(invalidName('legacy', 'x/../y')).toMatch(/"x\/..\/y" is not a valid Kubernetes object name/);
  });
});

describe('paths', () => {
  test('objectPath builds the core and group forms and refuses what would address another object', () => {
    expect(objectPath('', 'v1', 'secrets', 'legacy', 'web-token')).toBe('/api/v1/namespaces/legacy/secrets/web-token');
    expect(objectPath('apps', 'v1', 'deployments', 'legacy', 'web')).toBe('/apis/apps/v1/namespaces/legacy/deployments/web');
    expect(() => objectPath('', 'v1', 'secrets', 'legacy', 'x/../keep')).toThrow(/refusing to address secrets/);
    expect(() => objectPath('', 'v1', 'secrets', '..', 'keep')).toThrow(/namespace/);
  });
  test('workloadPath: undefined for a name with /../ (an ownerReference name is not validated by the API server)', () => {
    expect(workloadPath('Deployment', 'legacy', 'web')).toBe('/apis/apps/v1/namespaces/legacy/deployments/web');
    expect(workloadPath('Deployment', 'legacy', 'x/../../web')).toBeUndefined();
    expect(workloadPath('Pod', 'legacy', 'web')).toBeUndefined();
  });
  test('inside keeps a relative path within its directory', () => {
    const dir = path.resolve('/tmp/plan');
    expect(inside(dir, 'legacy/s/deployment-web.patch.json')).toBe(path.join(dir, 'legacy', 's', 'deployment-web.patch.json'));
    expect(() => inside(dir, 'legacy/s/deployment-x/../../../../etc/x')).toThrow(/outside/);
    expect(() => inside(dir, '/etc/passwd')).toThrow(/outside/);
    expect(() => inside(dir, '.')).toThrow(/outside/);
  });
});
