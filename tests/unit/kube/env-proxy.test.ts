/**
 * proxyFromEnvironment against the cases of golang.org/x/net/http/httpproxy proxy_test.go
 * (proxyForURLTests, UseProxyTests with its noProxy list, TestInvalidNoProxy, TestAllNoProxy),
 * which is what kubectl's default transport runs (http.ProxyFromEnvironment).
 */
import { printableProxyUrl, proxyFromEnvironment, proxyUrlProblem } from '../../../src/kube/env-proxy';

const url = (server: string, env: Record<string, string>) => proxyFromEnvironment(server, env)?.url;

describe('which variable, and how its value is read (proxyForURLTests)', () => {
  test.each([
    ['127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['cache.corp.example.com:1234', 'http://cache.corp.example.com:1234'],
    ['cache.corp.example.com', 'http://cache.corp.example.com'],
    ['localhost', 'http://localhost'],
    ['https://cache.corp.example.com', 'https://cache.corp.example.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['socks5://127.0.0.1', 'socks5://127.0.0.1'],
  ])('HTTPS_PROXY=%s → %s', (value, want) => {
    expect(url('https://example.com', { HTTPS_PROXY: value })).toBe(want);
  });

  test('an https server uses HTTPS_PROXY, an http server HTTP_PROXY; never the other', () => {
    const env = { HTTP_PROXY: 'http.proxy.tld', HTTPS_PROXY: 'secure.proxy.tld' };
    expect(url('http://insecure.tld/', env)).toBe('http://http.proxy.tld');
    expect(url('https://secure.tld/', env)).toBe('http://secure.proxy.tld');
    expect(url('https://secure.tld/', { HTTP_PROXY: 'http.proxy.tld' })).toBeUndefined();
    expect(url('ftp://insecure.tld/', { HTTP_PROXY: 'http.proxy.tld' })).toBeUndefined();
    expect(url('https://secure.tld/', {})).toBeUndefined();
  });

  test('the upper-case name first, then the lower-case one (getEnvAny); an empty value counts as unset', () => {
    expect(proxyFromEnvironment('https://k', { HTTPS_PROXY: 'a:1', https_proxy: 'b:1' })).toEqual({ url: 'http://a:1', source: 'HTTPS_PROXY' });
    expect(proxyFromEnvironment('https://k', { HTTPS_PROXY: '', https_proxy: 'b:1' })).toEqual({ url: 'http://b:1', source: 'https_proxy' });
    expect(url('https://k', { HTTPS_PROXY: 'p:1', NO_PROXY: '', no_proxy: 'k' })).toBeUndefined();
  });

  test.each([
    ['example.com', 'http://example.com/', false],
    ['.example.com', 'http://example.com/', true],
    ['ample.com', 'http://example.com/', true],
    ['example.com', 'http://foo.example.com/', false],
    ['.foo.com', 'http://example.com/', true],
    ['.示例.com', 'http://www.示例.com', false],
    ['xn--fsq092h.com', 'http://www.示例.com', false],
    ['示例.com', 'http://www.xn--fsq092h.com', false],
  ])('NO_PROXY=%s, server %s: proxied %s', (noProxy, server, proxied) => {
    expect(url(server, { HTTP_PROXY: 'proxy', NO_PROXY: noProxy })).toBe(proxied ? 'http://proxy' : undefined);
  });
});

describe('useProxy (UseProxyTests), every host on port 80', () => {
  const noProxy =
    'foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64';
  const cases: [string, boolean][] = [
    ['localhost', false],
    ['127.0.0.1', false],
    ['127.0.0.2', false],
    ['[::1]', false],
    ['[::2]', true],
    ['192.168.1.1', false],
    ['192.168.1.2', true],
    ['192.168.1.3', false],
    ['192.168.1.4', true],
    ['10.0.0.2', false],
    ['[2001:db8::52:0:1]', false],
    ['[2001:db8::52:0:2]', true],
    ['[2001:db8::52:0:3]', false],
    ['[2002:db8:a::123]', false],
    ['[fe80::424b:c8be:1643:a1b6]', true],
    ['barbaz.net', true],
    ['www.barbaz.net', false],
    ['foobar.com', false],
    ['www.foobar.com', false],
    ['foofoobar.com', true],
    ['baz.com', true],
    ['localhost.net', true],
    ['local.localhost', true],
    ['barbarbaz.net', true],
    ['wildcard.io', true],
    ['nested.wildcard.io', false],
    ['awildcard.io', true],
  ];
  test.each(cases)('%s: proxied %s', (host, proxied) => {
    expect(url(`https://${host}:80`, { HTTPS_PROXY: 'proxy:3128', NO_PROXY: noProxy }) !== undefined).toBe(proxied);
  });
  test.each(cases)('NO_PROXY=* : %s never proxied', (host) => {
    expect(url(`https://${host}:80`, { HTTPS_PROXY: 'proxy:3128', NO_PROXY: '*' })).toBeUndefined();
  });
  test('a malformed entry is ignored (TestInvalidNoProxy)', () => {
    expect(url('https://example.com:80', { HTTPS_PROXY: 'proxy:3128', NO_PROXY: ':1' })).toBe('http://proxy:3128');
  });
  test("the server's port is its scheme's default when the URL has none (canonicalAddr)", () => {
    expect(url('https://api.corp', { HTTPS_PROXY: 'p:1', NO_PROXY: 'api.corp:443' })).toBeUndefined();
    expect(url('https://api.corp', { HTTPS_PROXY: 'p:1', NO_PROXY: 'api.corp:6443' })).toBe('http://p:1');
    expect(url('https://api.corp:6443', { HTTPS_PROXY: 'p:1', NO_PROXY: 'API.CORP:6443' })).toBeUndefined();
  });
});

describe("a kubeconfig's proxy-url (clientcmd parseProxyURL) and how it is printed", () => {
  test.each([
    ['http://proxy:3128', undefined],
    ['HTTPS://proxy:3128', undefined],
    ['socks5://proxy:1080', undefined],
    ['proxy:3128', 'unsupported scheme "proxy", must be http, https, or socks5'],
    ['not a url', 'unsupported scheme "", must be http, https, or socks5'],
    ['socks4://proxy:1080', 'unsupported scheme "socks4", must be http, https, or socks5'],
    ['http://[bad', 'could not parse'],
  ])('%s: %s', (value, problem) => {
    expect(proxyUrlProblem(value)).toBe(problem);
  });
  test('user and password are left out, parseable or not', () => {
    expect(printableProxyUrl('http://alice:s3cret@proxy:3128')).toBe('http://proxy:3128');
    expect(printableProxyUrl('http://alice:s3cret@[bad')).toBe('http://[bad');
    expect(printableProxyUrl('socks5://proxy:1080')).toBe('socks5://proxy:1080');
  });
});
