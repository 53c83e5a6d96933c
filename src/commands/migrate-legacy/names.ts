/**
 * Names that become URL path segments and file names. A name from the cluster is hostile: an
 * ownerReference's `name` need only be non-empty (k8s.io/apimachinery/pkg/api/validation/objectmeta.go
 * validateOwnerReference), so it may hold `/../`, and a malicious server can send anything. Only
 * names Kubernetes itself would accept for the object are used, and always encoded.
 */
import path from 'node:path';

// k8s.io/apimachinery/pkg/util/validation/validation.go: dns1123LabelFmt, DNS1123LabelMaxLength (63),
// dns1123SubdomainFmt, DNS1123SubdomainMaxLength (253).
const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_LABEL = new RegExp(`^${LABEL}$`);
const DNS_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/** IsDNS1123Label: what a Namespace name must be (apimachinery api/validation ValidateNamespaceName). */
export function isDnsLabel(name: string): boolean {
  return typeof name === 'string' && name.length <= 63 && DNS_LABEL.test(name);
}

/**
 * IsDNS1123Subdomain: what Secret, ServiceAccount and workload names must be (NameIsDNSSubdomain in
 * their ValidateObjectMeta). Never `.` or `..`, never `/` or `%`.
 */
export function isDnsSubdomain(name: string): boolean {
  return typeof name === 'string' && name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

/** Why `namespace/name` cannot be used in a URL or a file name, or undefined when it can. */
export function invalidName(namespace: string, name: string): string | undefined {
  if (!isDnsLabel(namespace)) return `namespace ${JSON.stringify(namespace)} is not a valid Kubernetes namespace name`;
  if (!isDnsSubdomain(name)) return `${JSON.stringify(name)} is not a valid Kubernetes object name`;
  return undefined;
}

/** `/api/v1/namespaces/NS/secrets/NAME`, encoded; throws on a name Kubernetes would refuse. */
export function objectPath(group: string, version: string, resource: string, namespace: string, name: string): string {
  const bad = invalidName(namespace, name);
  if (bad) throw new Error(`refusing to address ${resource}: ${bad}`);
  const root = group ? `/apis/${group}/${version}` : `/api/${version}`;
  return `${root}/namespaces/${encodeURIComponent(namespace)}/${resource}/${encodeURIComponent(name)}`;
}

/** `dir/rel` resolved, or an error when it would land outside `dir` (a `..` or an absolute part). */
export function inside(dir: string, rel: string): string {
  const base = path.resolve(dir);
  const file = path.resolve(base, rel);
  if (!file.startsWith(base + path.sep)) throw new Error(`refusing to write ${JSON.stringify(rel)}: outside ${dir}`);
  return file;
}
