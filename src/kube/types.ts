/**
 * The kube layer as commands and checks see it. Implemented on @kubernetes/client-node behind
 * src/kube/connect.ts (loaded lazily: the only file that imports client-node at run time); tests
 * pass the real implementation pointed at the emulator in tests/apiserver/, or a fake object of
 * this shape — never a module mock.
 *
 * Types are client-node's model types, imported as types only so that nothing loads at run time.
 */
import type {
  AuthenticationV1TokenRequest,
  V1ConfigMap,
  CoreV1Event,
  V1Namespace,
  V1Node,
  V1Pod,
  V1Secret,
  V1SelfSubjectAccessReview,
  V1SelfSubjectReview,
  V1ServiceAccount,
  V1TokenReview,
} from '@kubernetes/client-node';

/** kubectl's connection flags, as given (undefined = not given). */
export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  /** Milliseconds; 0 = no timeout. kubectl's default is 30 s for our purposes. */
  requestTimeoutMs: number;
  as?: string;
  asGroups?: string[];
  /** --as-uid: sent as Impersonate-Uid (needs --as, as in kubectl). */
  asUid?: string;
  /** -s/--server: replaces the cluster's server; with no kubeconfig, the whole cluster entry. */
  server?: string;
  /** --token: a bearer token on top of the kubeconfig user (its exec plugin then does not run). */
  token?: string;
  /** --certificate-authority: a CA file; replaces the kubeconfig's CA and insecure-skip-tls-verify. */
  certificateAuthority?: string;
  /** --client-certificate / --client-key: files that replace the user's certificate / key (file or data). */
  clientCertificate?: string;
  clientKey?: string;
  /** --insecure-skip-tls-verify; undefined when not given (the kubeconfig's value stands). */
  insecureSkipTlsVerify?: boolean;
  /** --tls-server-name. */
  tlsServerName?: string;
  /** --cache-dir: accepted as kubectl's is; nothing is cached on disk (no discovery is read). */
  cacheDir?: string;
  /** -v=N: kubectl's levels; 6 request lines, 7 request headers, 8 response headers and bodies, 9 longer bodies. */
  verbosity?: number;
  /** --debug: stack traces on errors; also request lines, as -v=6. */
  debug?: boolean;
  /**
   * The command reads stdin itself (`decode -`, `test-auth -`): an exec plugin must not get it
   * (client-go's ExecConfig.StdinUnavailable, which kubectl sets for `apply -f -`).
   */
  stdinUnavailable?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size (default 500); the layer follows `continue` itself unless `continue` or `singlePage` is given. */
  limit?: number;
  continue?: string;
  /**
   * Return only the page asked for (the first one, or the one `continue` names) with its own
   * `continue` token, instead of following every page. `listAll` (src/kube/list.ts) uses it.
   */
  singlePage?: boolean;
}

/** One page of a LIST. */
export interface Page<T> {
  items: T[];
  continue?: string;
  resourceVersion?: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** 0 on success; the exit code from the V1Status `details.causes` (reason ExitCode) otherwise. */
  exitCode: number;
}

/** A TokenRequest call's result with the warning headers the server sent (e.g. shortened expiry). */
export interface TokenRequestResult {
  tokenRequest: AuthenticationV1TokenRequest;
  warnings: string[];
}

export interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: { kind: 'Pod' | 'Secret' | 'Node'; apiVersion: 'v1'; name: string; uid?: string };
}

export interface AccessAttributes {
  namespace?: string;
  verb: string;
  group?: string;
  resource: string;
  subresource?: string;
  name?: string;
}

/** What the kubeconfig says about where we connect (no secrets). */
export interface ClusterInfo {
  contextName: string;
  clusterName: string;
  server: string;
  /** PEM of the CA the cluster is trusted with, if the kubeconfig carries one. */
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
  /** The kubeconfig's tls-server-name: the name the serving certificate is checked against. */
  tlsServerName?: string;
  /** The kubeconfig's proxy-url (not a proxy from HTTPS_PROXY, which the reader's own environment decides). */
  proxyUrl?: string;
  /** True when loaded from the pod's own service account files (in-cluster config). */
  inCluster: boolean;
}

/**
 * The API commands use. The list* methods hand back the objects as the server's JSON (no model
 * classes): their date fields hold RFC 3339 strings even where client-node's types say Date, so
 * readers go through `new Date(…)` / `Date.parse` (src/kube/api.ts says why).
 */
export interface KubeApi {
  readPod(namespace: string, name: string): Promise<V1Pod>;
  listPods(namespace: string | undefined, opts?: ListOptions): Promise<Page<V1Pod>>;
  readServiceAccount(namespace: string, name: string): Promise<V1ServiceAccount>;
  listServiceAccounts(namespace: string | undefined, opts?: ListOptions): Promise<Page<V1ServiceAccount>>;
  readSecret(namespace: string, name: string): Promise<V1Secret>;
  listSecrets(namespace: string | undefined, opts?: ListOptions): Promise<Page<V1Secret>>;
  readNode(name: string): Promise<V1Node>;
  listNodes(opts?: ListOptions): Promise<Page<V1Node>>;
  listEvents(namespace: string | undefined, opts?: ListOptions): Promise<Page<CoreV1Event>>;
  readConfigMap(namespace: string, name: string): Promise<V1ConfigMap>;
  listNamespaces(opts?: ListOptions): Promise<Page<V1Namespace>>;

  createToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<TokenRequestResult>;
  createTokenReview(token: string, audiences?: string[]): Promise<V1TokenReview>;
  /** `kubectl auth whoami` as this client's own credentials. */
  createSelfSubjectReview(): Promise<V1SelfSubjectReview>;
  /** `kubectl auth can-i` as this client's own credentials. */
  createSelfSubjectAccessReview(attrs: AccessAttributes): Promise<V1SelfSubjectAccessReview>;

  /** GET of a path that is not a typed resource (/.well-known/openid-configuration, /openid/v1/jwks, /version). */
  getRaw(path: string): Promise<unknown>;
  /** Generic writes for migrate-legacy: JSON merge patch or JSON patch, with resourceVersion preconditions on delete. */
  request(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET', path: string, body?: unknown, contentType?: string): Promise<unknown>;

  /** Runs a command in a container over the exec WebSocket. Never hangs past the request timeout. */
  exec(namespace: string, pod: string, container: string | undefined, command: string[]): Promise<ExecResult>;
}

export interface KubeConnection {
  /** -n, else the context's namespace, else "default". */
  namespace: string;
  /** True when -n was given (scans use it to choose between one namespace and the context's). */
  namespaceExplicit: boolean;
  cluster: ClusterInfo;
  api: KubeApi;
  /** A client for the same cluster and CA that authenticates with this bearer token only. */
  forToken(token: string): KubeApi;
  /**
   * What the requests authenticate with, after kubectl's precedence (no secrets): a bearer token
   * (--token or the kubeconfig's), a tokenFile, the exec plugin, a client certificate, or none.
   */
  authentication?(): CredentialKind;
  /** The kubeconfig YAML text for a user holding `token` (mint -o kubeconfig). */
  kubeconfigForToken(userName: string, token: string, namespace: string): string;
}

/** How the requests authenticate: the kind, and for an exec plugin its command. */
export interface CredentialKind {
  kind: 'token' | 'token-file' | 'exec' | 'client-certificate' | 'none';
  /** The exec plugin's command (users[].user.exec.command), when kind is exec. */
  plugin?: string;
  /** A token kind goes out with the kubeconfig's client certificate too (client-go sends both). */
  withClientCertificate?: true;
}

/** What connect() needs besides the flags and environment; every field has a real default. */
export interface ConnectOptions {
  /** Where -v / --debug lines go (credentials redacted). Default: dropped. */
  log?: (line: string) => void;
  /** Whether stdin is a terminal: an exec plugin's interactiveMode decides on it. Default false. */
  stdinIsTerminal?: boolean;
  /** Where an exec plugin's stderr goes (kubectl: the user's terminal). Default: dropped. */
  stderr?: NodeJS.WritableStream;
  /** The in-cluster service account directory; tests point it at a temporary folder. */
  serviceAccountDir?: string;
}

/** Connects lazily: the first call loads client-node and the kubeconfig. */
export type KubeConnector = () => Promise<KubeConnection>;
