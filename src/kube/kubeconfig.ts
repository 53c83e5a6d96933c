/**
 * Where we connect, decided as kubectl decides it: --kubeconfig, else KUBECONFIG (several files
 * merged, first one to set a value wins), else ~/.kube/config, else the in-cluster service account.
 * Then --context / --cluster / --user pick the entries, checked here because client-node silently
 * falls back to http://localhost:8080 and accepts an unknown context.
 *
 * Pure of client-node: the result is a one-context kubeconfig object that connect.ts hands to
 * client-node's KubeConfig.loadFromString, so client-node keeps its own auth (exec, auth-provider).
 */
import { X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readFileCappedSync } from '../bounded-read.js';
import { OperationError, UsageError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { ConnectionFlags } from './types.js';
import { readInCluster, SERVICE_ACCOUNT_DIR } from './incluster.js';
import { readExecConfig, type ExecClusterInfo } from './exec-plugin.js';
import { applyClusterOverrides, applyUserOverrides, checkTlsChoice } from './overrides.js';
import { printableProxyUrl, proxyFromEnvironment, proxyUrlProblem, type ProxySetting } from './env-proxy.js';

const ANONYMOUS = 'satoken-anonymous';

export const NO_CONFIGURATION = 'no configuration has been provided (set KUBECONFIG, --kubeconfig, or run inside a pod)';

/** A kubeconfig entry as written in the file: `{name, cluster|user|context: {...}}`. */
export type Fields = Record<string, unknown>;
interface NamedEntry {
  name: string;
  body: Fields;
}

/** Several kubeconfig files merged by kubectl's rules. */
export interface MergedKubeconfig {
  /** The files read, in order (those that exist). */
  files: string[];
  clusters: Map<string, NamedEntry>;
  users: Map<string, NamedEntry>;
  contexts: Map<string, NamedEntry>;
  /** From the first file that sets it. */
  currentContext?: string;
}

/** The connection chosen: what to hand to client-node, and what to tell the user (no secrets). */
export interface ResolvedConfig {
  inCluster: boolean;
  contextName: string;
  clusterName: string;
  userName?: string;
  server: string;
  caPem?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  /**
   * The proxy every request goes through: the cluster's proxy-url (client-go rest.Config.Proxy),
   * else HTTPS_PROXY and NO_PROXY as client-go reads them (env-proxy.ts). Also in `kubeconfig`
   * as the cluster's proxy-url, for client-node; kept here so that a connection failure names
   * the proxy it really failed at, and where the proxy came from.
   */
  proxy?: ProxySetting;
  /** The context's namespace (or the pod's, in-cluster); undefined when it sets none. */
  namespace?: string;
  /**
   * A kubeconfig object with just this cluster, user and context, every path absolute, for
   * client-node: the user without token, tokenFile and exec, which credentials.ts applies itself.
   */
  kubeconfig: Record<string, unknown>;
  /** The user's entry after the flags (token, tokenFile, exec, certificates), every path absolute. */
  user: Fields;
  /** What an exec plugin with provideClusterInfo is told (rest/exec.go ConfigToExecCluster). */
  execCluster: ExecClusterInfo;
}

/** What the loader reads; tests give real files and a temporary service account directory. */
export interface LoadEnv {
  env: Record<string, string | undefined>;
  serviceAccountDir?: string;
}

export function resolveConfig(flags: ConnectionFlags, load: LoadEnv): ResolvedConfig {
  return withEnvironmentProxy(resolveWithoutEnvironmentProxy(flags, load), load.env);
}

/** No proxy-url: the environment's proxy, as client-go's default transport would take it, handed to client-node as one. */
function withEnvironmentProxy(resolved: ResolvedConfig, env: Record<string, string | undefined>): ResolvedConfig {
  if (resolved.proxy) return resolved;
  const proxy = proxyFromEnvironment(resolved.server, env);
  if (!proxy) return resolved;
  const clusters = resolved.kubeconfig.clusters as { name: string; cluster: Fields }[];
  const kubeconfig = { ...resolved.kubeconfig, clusters: clusters.map((c) => ({ ...c, cluster: { ...c.cluster, 'proxy-url': proxy.url } })) };
  return { ...resolved, proxy, kubeconfig };
}

function resolveWithoutEnvironmentProxy(flags: ConnectionFlags, { env, serviceAccountDir = SERVICE_ACCOUNT_DIR }: LoadEnv): ResolvedConfig {
  const merged = loadKubeconfigFiles(flags, env);
  if (merged) return select(merged, flags);
  // No kubeconfig: -s alone is a cluster (client-go: the overrides on an empty config).
  if (flags.server) return select({ files: [], clusters: new Map(), users: new Map(), contexts: new Map() }, flags);
  const inCluster = readInCluster(serviceAccountDir, env);
  if (!inCluster) throw new OperationError(NO_CONFIGURATION, 'point --kubeconfig or KUBECONFIG at a kubeconfig file, or give --server');
  if (flags.context || flags.cluster || flags.user) {
    const which = flags.context ? `context "${flags.context}"` : flags.cluster ? `cluster "${flags.cluster}"` : `user "${flags.user}"`;
    throw new UsageError(`${which} does not exist: running in-cluster without a kubeconfig`);
  }
  // inClusterClientConfig.ClientConfig: --token and --certificate-authority replace the pod's own.
  const caPem = flags.certificateAuthority
    ? readPemFile(isAbsolute(flags.certificateAuthority) ? flags.certificateAuthority : join(process.cwd(), flags.certificateAuthority), '--certificate-authority', 'CERTIFICATE')
    : inCluster.caPem;
  const cluster = { server: inCluster.server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') };
  const user = { token: flags.token ?? inCluster.token };
  return {
    inCluster: true,
    contextName: 'in-cluster',
    clusterName: 'in-cluster',
    userName: 'in-cluster',
    server: inCluster.server,
    caPem,
    insecureSkipTlsVerify: false,
    namespace: inCluster.namespace,
    kubeconfig: oneContextKubeconfig('in-cluster', cluster, 'in-cluster', {}, 'in-cluster', inCluster.namespace),
    user,
    execCluster: { server: inCluster.server, 'certificate-authority-data': cluster['certificate-authority-data'] },
  };
}

/**
 * Reads and merges the kubeconfig files; undefined when there are none to read (the caller then
 * tries in-cluster). --kubeconfig must exist; missing KUBECONFIG entries are skipped, as kubectl does.
 */
export function loadKubeconfigFiles(flags: Pick<ConnectionFlags, 'kubeconfig'>, env: Record<string, string | undefined>): MergedKubeconfig | undefined {
  let paths: string[];
  if (flags.kubeconfig) {
    if (!isFile(flags.kubeconfig)) throw new OperationError(`cannot read kubeconfig ${flags.kubeconfig} (no such file)`, 'check the --kubeconfig path');
    paths = [flags.kubeconfig];
  } else if (env.KUBECONFIG) {
    paths = env.KUBECONFIG.split(delimiter).filter((p) => p !== '' && isFile(p));
  } else {
    const home = env.HOME || env.USERPROFILE;
    paths = home && isFile(join(home, '.kube', 'config')) ? [join(home, '.kube', 'config')] : [];
  }
  const merged: MergedKubeconfig = { files: [], clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const p of paths) mergeFile(merged, p, readKubeconfigFile(p));
  const empty = merged.clusters.size === 0 && merged.contexts.size === 0 && merged.users.size === 0;
  // An explicit --kubeconfig is never replaced by in-cluster config, even when empty (kubectl's rule).
  if (empty && !flags.kubeconfig) return undefined;
  return merged;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function readKubeconfigFile(path: string): Fields {
  let doc: unknown;
  try {
    doc = parseYaml(readFileCappedSync(path, LIMITS.kubeconfig, 'a kubeconfig').toString('utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : firstLine((e as Error).message);
    throw new OperationError(`cannot read kubeconfig ${path} (${why})`, 'fix the file, or point --kubeconfig elsewhere');
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new OperationError(`cannot read kubeconfig ${path} (not a YAML mapping)`, 'fix the file, or point --kubeconfig elsewhere');
  }
  return doc as Fields;
}

const firstLine = (s: string) => s.split('\n')[0].trim();

/** kubectl's merge: for each name, the first file that defines it wins, whole; so does current-context. */
export function mergeFile(into: MergedKubeconfig, path: string, doc: Fields): void {
  into.files.push(path);
  const dir = dirname(path);
  for (const [key, section, bodyKey] of [
    ['clusters', into.clusters, 'cluster'],
    ['users', into.users, 'user'],
    ['contexts', into.contexts, 'context'],
  ] as const) {
    const list = doc[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new OperationError(`cannot read kubeconfig ${path} (${key} is not a list)`);
    list.forEach((entry: unknown, i) => {
      const e = (entry ?? {}) as Fields;
      if (typeof e.name !== 'string' || e.name === '') {
        throw new OperationError(`cannot read kubeconfig ${path} (${key}[${i}] has no name)`);
      }
      if (section.has(e.name)) return;
      const body = (e[bodyKey] ?? {}) as Fields;
      if (typeof body !== 'object' || Array.isArray(body)) {
        throw new OperationError(`cannot read kubeconfig ${path} (${key}[${i}].${bodyKey} is not a mapping)`);
      }
      section.set(e.name, { name: e.name, body: absolutePaths(bodyKey, body, dir) });
    });
  }
  const current = doc['current-context'];
  if (into.currentContext === undefined && typeof current === 'string' && current !== '') into.currentContext = current;
}

/** kubectl resolves file references relative to the kubeconfig file that holds them. */
function absolutePaths(kind: 'cluster' | 'user' | 'context', body: Fields, dir: string): Fields {
  const out: Fields = { ...body };
  const fix = (k: string) => {
    if (typeof out[k] === 'string' && out[k] !== '' && !isAbsolute(out[k] as string)) out[k] = join(dir, out[k] as string);
  };
  if (kind === 'cluster') fix('certificate-authority');
  if (kind === 'user') {
    fix('client-certificate');
    fix('client-key');
    // kubectl's field is tokenFile (clientcmd/api/v1 AuthInfo json:"tokenFile"); client-node's own `token-file` spelling is not kubectl's, and kubectl ignores it.
    fix('tokenFile');
    const exec = out.exec as Fields | undefined;
    // Only a command given as a relative path (with a slash) is file-relative; a bare name is looked up on PATH.
    if (exec && typeof exec.command === 'string' && exec.command.includes('/') && !isAbsolute(exec.command)) {
      out.exec = { ...exec, command: join(dir, exec.command) };
    }
  }
  return out;
}

/** Applies --context / --cluster / --user and checks that what they name exists and is usable. */
export function select(merged: MergedKubeconfig, flags: ConnectionFlags): ResolvedConfig {
  const where = merged.files.length === 1 ? merged.files[0] : `the kubeconfig (${merged.files.join(', ')})`;
  let contextName = flags.context ?? merged.currentContext ?? '';
  let context: NamedEntry | undefined;
  // A --context, --cluster or --user the kubeconfig lacks exits 1 as in kubectl: clientcmd's
  // validation error reaches cmdutil.CheckErr (k8s.io/kubectl/pkg/cmd/util/helpers.go), which exits 1.
  if (flags.context !== undefined) {
    context = merged.contexts.get(flags.context);
    if (!context) throw new OperationError(`context "${flags.context}" does not exist in the kubeconfig`, listHint('contexts', merged.contexts));
  } else if (contextName !== '') {
    context = merged.contexts.get(contextName);
    if (!context) {
      throw new OperationError(`the current context "${contextName}" does not exist in the kubeconfig`, listHint('contexts', merged.contexts));
    }
  } else if (flags.cluster === undefined && !flags.server) {
    if (merged.clusters.size === 0) throw new OperationError(`${where} defines no clusters`, 'point --kubeconfig at a kubeconfig that has one');
    throw new OperationError(
      `no context is selected: ${where} sets no current-context`,
      merged.contexts.size > 0 ? `give --context; ${listHint('contexts', merged.contexts)}` : 'give --context, or --cluster and --user',
    );
  }
  const ctx = context?.body ?? {};
  const clusterName = flags.cluster ?? str(ctx.cluster) ?? '';
  let cluster = merged.clusters.get(clusterName);
  // getCluster: a cluster named by the context (not by --cluster) may be missing when -s gives the server.
  if (!cluster && flags.server && flags.cluster === undefined) cluster = { name: clusterName || flags.server, body: {} };
  if (!cluster) {
    if (flags.cluster !== undefined) throw new OperationError(`cluster "${flags.cluster}" does not exist in the kubeconfig`, listHint('clusters', merged.clusters));
    throw new OperationError(
      clusterName === '' ? `context "${contextName}" names no cluster` : `context "${contextName}" refers to cluster "${clusterName}", which does not exist in the kubeconfig`,
      'fix the kubeconfig, or give --cluster',
    );
  }
  const userName = flags.user ?? str(ctx.user);
  let user: NamedEntry | undefined;
  if (userName !== undefined) {
    user = merged.users.get(userName);
    if (!user) {
      if (flags.user !== undefined) throw new OperationError(`user "${flags.user}" does not exist in the kubeconfig`, listHint('users', merged.users));
      throw new OperationError(`context "${contextName}" refers to user "${userName}", which does not exist in the kubeconfig`, 'fix the kubeconfig, or give --user');
    }
  }
  if (contextName === '') contextName = cluster.name;

  const cwd = process.cwd();
  const clusterEntry: NamedEntry = { name: cluster.name, body: applyClusterOverrides(cluster.body, flags, cwd) };
  const userEntry: NamedEntry | undefined =
    user || hasUserOverrides(flags) ? { name: user?.name ?? ANONYMOUS, body: applyUserOverrides(user?.body ?? {}, flags, cwd) } : undefined;
  const c = checkCluster(clusterEntry);
  checkTlsChoice(clusterEntry.body, flags);
  if (userEntry) checkUser(userEntry);
  const namespace = str(ctx.namespace);
  const userBody = userEntry?.body ?? {};
  // token, tokenFile and exec are ours (credentials.ts); client-node keeps certificates and auth-providers.
  const { token: _t, 'token-file': _f, tokenFile: _tf, exec: _e, ...forClientNode } = userBody;
  void [_t, _f, _tf, _e];
  const b = clusterEntry.body;
  return {
    inCluster: false,
    contextName,
    clusterName: cluster.name,
    userName: userEntry?.name === ANONYMOUS ? undefined : userEntry?.name,
    server: c.server,
    caPem: c.caPem,
    insecureSkipTlsVerify: c.insecure,
    tlsServerName: str(b['tls-server-name']),
    proxy: str(b['proxy-url']) ? { url: b['proxy-url'] as string, source: 'proxy-url' } : undefined,
    namespace,
    kubeconfig: oneContextKubeconfig(cluster.name, b, userEntry?.name, forClientNode, contextName, namespace),
    user: userBody,
    execCluster: {
      server: c.server,
      ...(str(b['tls-server-name']) ? { 'tls-server-name': b['tls-server-name'] as string } : {}),
      ...(c.insecure ? { 'insecure-skip-tls-verify': true } : {}),
      ...(c.caPem ? { 'certificate-authority-data': Buffer.from(c.caPem).toString('base64') } : {}),
      ...(str(b['proxy-url']) ? { 'proxy-url': b['proxy-url'] as string } : {}),
      ...(b['disable-compression'] === true ? { 'disable-compression': true } : {}),
      ...execExtension(b),
    },
  };
}

function hasUserOverrides(flags: ConnectionFlags): boolean {
  return Boolean(flags.token || flags.clientCertificate || flags.clientKey);
}

/** The cluster's `client.authentication.k8s.io/exec` extension: ExecConfig.Config (client_config.go clusterExtensionKey). */
function execExtension(body: Fields): { config?: unknown } {
  const list = body.extensions;
  if (!Array.isArray(list)) return {};
  const e = list.find((x) => (x as Fields | null)?.name === 'client.authentication.k8s.io/exec') as Fields | undefined;
  return e && e.extension !== undefined ? { config: e.extension } : {};
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function listHint(what: string, names: Map<string, unknown>): string {
  const list = [...names.keys()];
  return list.length === 0 ? `the kubeconfig defines no ${what}` : `the kubeconfig has: ${list.join(', ')}`;
}

function checkCluster({ name, body }: NamedEntry): { server: string; caPem?: string; insecure: boolean } {
  const server = str(body.server);
  const fix = 'fix the cluster entry in the kubeconfig';
  if (!server) throw new OperationError(`cluster "${name}" has no server in the kubeconfig`, fix);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new OperationError(`cluster "${name}" has an invalid server "${server}"`, fix);
  }
  if (url.protocol !== 'https:') {
    throw new OperationError(`cluster "${name}": server ${server} is not https (plain HTTP is not supported)`, fix);
  }
  const proxyUrl = str(body['proxy-url']);
  const proxyProblem = proxyUrl ? proxyUrlProblem(proxyUrl) : undefined;
  if (proxyProblem) throw new OperationError(`invalid 'proxy-url' "${printableProxyUrl(proxyUrl!)}" for cluster "${name}": ${proxyProblem}`, fix);
  const insecure = body['insecure-skip-tls-verify'] === true;
  let caPem: string | undefined;
  if (str(body['certificate-authority-data'])) {
    caPem = pemFromBase64(body['certificate-authority-data'] as string, `cluster "${name}": certificate-authority-data`, 'CERTIFICATE');
  } else if (str(body['certificate-authority'])) {
    caPem = readPemFile(body['certificate-authority'] as string, `cluster "${name}": certificate-authority`, 'CERTIFICATE');
  }
  if (caPem) {
    try {
      new X509Certificate(caPem);
    } catch {
      throw new OperationError(`cluster "${name}": the certificate authority is not a valid certificate`, "fix the kubeconfig's certificate-authority-data");
    }
  }
  return { server: server.replace(/\/+$/, ''), caPem, insecure };
}

/** Auth providers kubectl removed (1.26), and the exec plugin that replaces each. */
const REMOVED_AUTH_PROVIDERS: Record<string, string> = { gcp: 'gke-gcloud-auth-plugin', azure: 'kubelogin' };

function checkUser({ name, body }: NamedEntry): void {
  if (str(body['client-certificate-data'])) pemFromBase64(body['client-certificate-data'] as string, `user "${name}": client-certificate-data`, 'CERTIFICATE');
  if (str(body['client-key-data'])) pemFromBase64(body['client-key-data'] as string, `user "${name}": client-key-data`, 'PRIVATE KEY');
  if (str(body['client-certificate'])) readPemFile(body['client-certificate'] as string, `user "${name}": client-certificate`, 'CERTIFICATE');
  if (str(body['client-key'])) readPemFile(body['client-key'] as string, `user "${name}": client-key`, 'PRIVATE KEY');
  const provider = body['auth-provider'];
  if (provider !== undefined && provider !== null) {
    // kubectl 1.26+ knows only oidc; client-node would silently ignore an unknown name and send no credentials.
    const pname = typeof provider === 'object' ? str((provider as Fields).name) : undefined;
    const removed = pname ? REMOVED_AUTH_PROVIDERS[pname] : undefined;
    if (removed) throw new OperationError(`user "${name}": the ${pname} auth provider has been removed from kubectl`, `use the ${removed} exec credential plugin instead`);
    if (pname !== 'oidc') throw new OperationError(`user "${name}": unknown auth provider "${pname ?? ''}" (kubectl knows only oidc)`, 'use an exec credential plugin (users[].user.exec) instead');
  }
  if (body.exec !== undefined && body.exec !== null) {
    readExecConfig(name, body.exec);
    // validateAuthInfo: "authProvider cannot be provided in combination with an exec plugin".
    if (provider !== undefined && provider !== null) {
      throw new OperationError(`authProvider cannot be provided in combination with an exec plugin for ${name}`, 'fix users[].user in the kubeconfig');
    }
  }
  const tokenFile = str(body.tokenFile);
  // getUserIdentificationPartialConfig reads a tokenFile at once when there is no token.
  if (tokenFile && !str(body.token) && !isFile(tokenFile)) {
    throw new OperationError(`user "${name}": tokenFile ${tokenFile} cannot be read (no such file)`, 'fix users[].user.tokenFile in the kubeconfig');
  }
}

/** Base64 that must decode to PEM of the given kind (`PRIVATE KEY` matches RSA/EC/PKCS#8 keys). */
function pemFromBase64(data: string, what: string, kind: string): string {
  const clean = data.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw new OperationError(`${what} is not valid base64`, `fix the kubeconfig's ${what.split(': ')[1]}`);
  }
  const text = Buffer.from(clean, 'base64').toString('utf8');
  if (!text.includes(`-----BEGIN `) || !text.includes(kind)) {
    throw new OperationError(`${what} does not hold a PEM ${kind.toLowerCase()}`, `fix the kubeconfig's ${what.split(': ')[1]}`);
  }
  return text;
}

export function readPemFile(path: string, what: string, kind: string): string {
  let text: string;
  try {
    text = readFileCappedSync(path, LIMITS.pemFile, `a ${what} file`).toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OperationError(`${what} file ${path} cannot be read (${code === 'ENOENT' ? 'no such file' : code === 'ETOOLARGE' ? (e as Error).message : code ?? 'error'})`, 'fix the path in the kubeconfig');
  }
  if (!text.includes('-----BEGIN ') || !text.includes(kind)) throw new OperationError(`${what} file ${path} does not hold a PEM ${kind.toLowerCase()}`);
  return text;
}

function oneContextKubeconfig(
  clusterName: string,
  cluster: Fields,
  userName: string | undefined,
  user: Fields | undefined,
  contextName: string,
  namespace: string | undefined,
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster }],
    // Always a user, if only an anonymous one: client-node applies the cluster's CA only when there is one.
    users: [{ name: userName ?? ANONYMOUS, user: user ?? {} }],
    contexts: [{ name: contextName, context: { cluster: clusterName, user: userName ?? ANONYMOUS, ...(namespace ? { namespace } : {}) } }],
    'current-context': contextName,
  };
}
