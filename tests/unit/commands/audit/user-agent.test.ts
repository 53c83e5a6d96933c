import { atLeast, parseUserAgent, shortAgent, clientInfo } from '../../../../src/commands/audit/user-agent';
import { fixText } from '../../../../src/commands/audit/verdict';

describe('parseUserAgent', () => {
  test.each([
    // kubernetes-client/python: OpenAPI-Generator/<package version>/python
    ['OpenAPI-Generator/11.0.0/python', { library: 'kubernetes-python', version: '11.0.0', rereadsToken: false }],
    ['OpenAPI-Generator/29.0.0/python', { library: 'kubernetes-python', version: '29.0.0', rereadsToken: true }],
    ['Swagger-Codegen/1.0.0-snapshot/python', { library: 'kubernetes-python', version: '1.0.0-snapshot' }],
    // client-go's default: <program>/<program version> (<os>/<arch>) kubernetes/<commit>
    ['exporter/v0.0.0 (linux/amd64) kubernetes/$Format', { library: 'client-go', version: 'exporter/v0.0.0' }],
    ['kubectl/v1.24.3 (linux/amd64) kubernetes/aef86a9', { library: 'kubectl', version: 'v1.24.3', rereadsToken: true }],
    ['kubectl/v1.14.0 (linux/amd64) kubernetes/641856d', { library: 'kubectl', version: 'v1.14.0', rereadsToken: false }],
    ['curl/8.5.0', { library: 'curl', version: '8.5.0', rereadsToken: false }],
    ['Go-http-client/1.1', { library: 'Go-http-client', version: '1.1', rereadsToken: false }],
    ['my-app', { library: 'unknown' }],
    ['', { library: 'none' }],
  ])('%p', (ua, want) => {
    expect(parseUserAgent(ua)).toEqual(want);
  });

  test('atLeast compares dotted versions numerically', () => {
    expect(atLeast('0.15.7', '0.15.7')).toBe(true);
    expect(atLeast('0.15.10', '0.15.7')).toBe(true);
    expect(atLeast('0.9.0', '0.15.7')).toBe(false);
    expect(atLeast('v12.0.0', '12.0.0')).toBe(true);
  });

  test('short labels for the table', () => {
    expect(shortAgent(clientInfo('OpenAPI-Generator/11.0.0/python', 1))).toBe('kubernetes-python 11.0.0');
    expect(shortAgent(clientInfo('exporter/v0.0.0 (linux/amd64) kubernetes/$Format', 1))).toBe('client-go (exporter/v0.0.0)');
    expect(shortAgent(clientInfo('x'.repeat(60), 1))).toHaveLength(40);
  });
});

describe('the stale-token fix names the culprit', () => {
  const fix = (ua: string) => fixText({ problem: 'stale-token', namespace: 'ns', secrets: [], clients: [clientInfo(ua, 3)], periodDays: 365, maxSecondsPastWarning: 90061 });
  test('an old library: upgrade to the version that re-reads', () => {
    expect(fix('OpenAPI-Generator/11.0.0/python')).toMatch(/kubernetes-python 11\.0\.0, which does not — upgrade to >= 12\.0\.0/);
    expect(fix('OpenAPI-Generator/11.0.0/python')).toMatch(/up to 1d1h1m past/);
  });
  test('a plain HTTP client: the program must re-read', () => {
    expect(fix('curl/8.5.0')).toMatch(/plain HTTP client/);
  });
  test('a recent library: the program sets the token itself', () => {
    expect(fix('OpenAPI-Generator/29.0.0/python')).toMatch(/sets the token itself/);
  });
  test('a client-go program: check go.mod and rest.InClusterConfig', () => {
    expect(fix('exporter/v0.0.0 (linux/amd64) kubernetes/$Format')).toMatch(/go\.mod.*rest\.InClusterConfig/);
  });
});
