/**
 * The proxy kubectl would use for a cluster whose kubeconfig sets no proxy-url: client-go's
 * default transport takes it from the environment (k8s.io/apimachinery/pkg/util/net
 * NewProxierWithNoProxyCIDR(http.ProxyFromEnvironment)), with the rules of
 * golang.org/x/net/http/httpproxy (proxy.go FromEnvironment, parseProxy, useProxy, config.init),
 * which this file follows:
 * - HTTPS_PROXY, else https_proxy, for an https server (HTTP_PROXY / http_proxy for http); the
 *   first that is non-empty. A value without a scheme other than http, https or socks5 is read as
 *   http://VALUE; one that still does not parse means no proxy (errors are ignored).
 * - never for `localhost` or a loopback address;
 * - NO_PROXY, else no_proxy: comma-separated, case-insensitive; `*` = no proxy at all; an IP or a
 *   CIDR; a domain matching itself and its subdomains (`.y.com` and `*.y.com` only subdomains);
 *   an IP or domain may carry `:port`, which must then match the server's port.
 * Also here: the check kubectl makes of a kubeconfig's own proxy-url, and the form any proxy URL
 * is printed in (without its user and password). Nothing here reads process.env: the caller hands
 * the environment in.
 */
import net from 'node:net';
import { domainToASCII } from 'node:url';

/** Where a cluster's proxy came from, for messages: the kubeconfig field or the variable's name. */
export interface ProxySetting {
  url: string;
  source: 'proxy-url' | 'HTTPS_PROXY' | 'https_proxy' | 'HTTP_PROXY' | 'http_proxy';
}

export function proxyFromEnvironment(server: string, env: Record<string, string | undefined>): ProxySetting | undefined {
  let target: URL;
  try {
    target = new URL(server);
  } catch {
    return undefined;
  }
  const names = target.protocol === 'https:' ? (['HTTPS_PROXY', 'https_proxy'] as const) : target.protocol === 'http:' ? (['HTTP_PROXY', 'http_proxy'] as const) : [];
  const source = names.find((n) => env[n]);
  if (!source) return undefined;
  const url = parseProxy(env[source]!);
  if (!url) return undefined;
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  if (!useProxy(target.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port, env.NO_PROXY || env.no_proxy || '')) return undefined;
  return { url, source };
}

/** parseProxy: a URL with scheme http, https or socks5, else `http://` + the value. */
function parseProxy(value: string): string | undefined {
  const parsed = tryUrl(value);
  if (parsed && ['http:', 'https:', 'socks5:'].includes(parsed.protocol)) return value;
  return tryUrl(`http://${value}`) ? `http://${value}` : undefined;
}

function useProxy(host: string, port: string, noProxy: string): boolean {
  if (host === 'localhost') return false;
  const ip = net.isIP(host) ? host : undefined;
  if (ip && isLoopback(ip)) return false;
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return false;
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    if (cidr && net.isIP(cidr[1])) {
      if (ip && inCidr(ip, cidr[1], Number(cidr[2]))) return false;
      continue;
    }
    const { host: h, port: p } = splitHostPort(entry);
    if (h === '') continue;
    if (net.isIP(h)) {
      if (ip && sameIp(ip, h) && (p === '' || p === port)) return false;
      continue;
    }
    // domainMatch: "foo.com" matches foo.com and x.foo.com; ".foo.com" / "*.foo.com" only x.foo.com.
    const star = h.startsWith('*.') ? h.slice(1) : h;
    const dot = star.startsWith('.') ? '.' : '';
    // idnaASCII: an entry in Unicode matches the server's punycode name (URL hands hostnames over in punycode).
    const bare = dot + (domainToASCII(star.slice(dot.length)) || star.slice(dot.length));
    const matchHost = !bare.startsWith('.');
    const suffix = matchHost ? `.${bare}` : bare;
    if ((host.endsWith(suffix) || (matchHost && host === bare)) && (p === '' || p === port)) return false;
  }
  return true;
}

/** net.SplitHostPort for an entry: `host:port`, `[v6]:port`; anything else is all host. */
function splitHostPort(entry: string): { host: string; port: string } {
  const v6 = /^\[([^\]]*)\]:(\d*)$/.exec(entry);
  if (v6) return { host: v6[1], port: v6[2] };
  const m = /^([^:]*):(\d*)$/.exec(entry);
  return m ? { host: m[1], port: m[2] } : { host: entry, port: '' };
}

function isLoopback(ip: string): boolean {
  return inCidr(ip, '127.0.0.0', 8) || sameIp(ip, '::1');
}

/** net.IP.Equal: an IPv4-mapped IPv6 address equals its IPv4 (node's BlockList compares the same way). */
function sameIp(a: string, b: string): boolean {
  const list = new net.BlockList();
  list.addAddress(b, family(b));
  return list.check(a, family(a));
}

function inCidr(ip: string, base: string, bits: number): boolean {
  const list = new net.BlockList();
  try {
    list.addSubnet(base, bits, family(base));
  } catch {
    return false; // a prefix length too long for the family: Go's ParseCIDR refuses it too
  }
  return list.check(ip, family(ip));
}

const family = (ip: string): 'ipv4' | 'ipv6' => (net.isIPv4(ip) ? 'ipv4' : 'ipv6');

/** Whether a proxy URL carries a user or password (http://user:pass@proxy:3128). */
export function proxyUrlHasCredentials(url: string): boolean {
  const u = tryUrl(url);
  return u ? u.username !== '' || u.password !== '' : /\/\/[^/]*@/.test(url);
}

/** A proxy URL fit to print: user and password (http://user:pass@proxy:3128) left out. */
export function printableProxyUrl(url: string): string {
  const u = tryUrl(url);
  if (!u) return url.replace(/\/\/[^/]*@/, '//');
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}

/**
 * clientcmd's validateClusterInfo / parseProxyURL: a kubeconfig proxy-url must parse and have
 * the scheme http, https or socks5. Undefined when it does; else kubectl's reason.
 */
export function proxyUrlProblem(value: string): string | undefined {
  // Go's url.Parse reads a value with no scheme as a relative reference, whose scheme is "".
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1].toLowerCase() ?? '';
  if (scheme && !tryUrl(value)) return 'could not parse';
  return ['http', 'https', 'socks5'].includes(scheme) ? undefined : `unsupported scheme "${scheme}", must be http, https, or socks5`;
}

function tryUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}
