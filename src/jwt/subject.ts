/**
 * ServiceAccount user names, as k8s.io/apiserver/pkg/authentication/serviceaccount: MakeUsername
 * and SplitUsername (the namespace a DNS-1123 label, the name a DNS-1123 subdomain).
 */
export const SA_USER_PREFIX = 'system:serviceaccount:';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function makeUsername(namespace: string, name: string): string {
  return `${SA_USER_PREFIX}${namespace}:${name}`;
}

/** {namespace, name}, or null when `sub` is not a valid ServiceAccount user name. */
export function splitUsername(sub: string): { namespace: string; name: string } | null {
  if (!sub.startsWith(SA_USER_PREFIX)) return null;
  const parts = sub.slice(SA_USER_PREFIX.length).split(':');
  if (parts.length !== 2) return null;
  const [namespace, name] = parts;
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) return null;
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) return null;
  return { namespace, name };
}
