/**
 * KubeApi on client-node's typed clients (CoreV1Api, AuthenticationV1Api, AuthorizationV1Api),
 * every call through runCall: timeout, retries, warnings, typed errors.
 */
import type {
  ConfigurationOptions,
  HttpLibrary,
  KubeConfig,
  RequestContext,
  ResponseContext,
} from '@kubernetes/client-node';
import type { AccessAttributes, ExecResult, KubeApi, ListOptions, Page, TokenRequestSpec } from './types.js';
import { type Attempt, type CallSettings, type RetryPolicy, runCall } from './call.js';
import { execInPod } from './exec.js';
import { DEFAULT_CHUNK, listPages } from './list.js';
import type { ClientNode, TransportSettings } from './transport.js';

export interface ApiSettings {
  k8s: ClientNode;
  kc: KubeConfig;
  transport: HttpLibrary;
  transportSettings: TransportSettings;
  call: CallSettings;
}

/** A list call as client-node's typed APIs make it, for one page. */
type PageCall<T> = (params: { limit: number; _continue?: string; labelSelector?: string; fieldSelector?: string }, options: ConfigurationOptions) => Promise<{
  items: T[];
  metadata?: { _continue?: string; resourceVersion?: string };
}>;

export function makeApi(s: ApiSettings): KubeApi {
  const { k8s } = s;
  const config = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(s.call.server, {}),
    httpApi: s.transport,
    // Credentials are applied by the transport (applyToHTTPSOptions), not per API.
    authMethods: {},
  });
  const core = new k8s.CoreV1Api(config);
  const authn = new k8s.AuthenticationV1Api(config);
  const authz = new k8s.AuthorizationV1Api(config);

  /**
   * client-node's per-call options: our middleware appended to the (empty) static list. The
   * object-parameter APIs hand these to the Observable layer, so each hook returns an Observable.
   */
  const opts = (a: Attempt): ConfigurationOptions => ({
    middleware: [
      {
        pre: (ctx: RequestContext) => new k8s.Observable(a.middleware.pre(ctx)),
        post: (rsp: ResponseContext) => new k8s.Observable(a.middleware.post(rsp)),
      },
    ],
    middlewareMergeStrategy: 'append',
  });

  async function call<T>(operation: string, policy: RetryPolicy, fn: (o: ConfigurationOptions) => Promise<T>): Promise<T> {
    return (await runCall(s.call, operation, policy, (a) => fn(opts(a)))).value;
  }

  async function list<T>(what: string, namespace: string | undefined, o: ListOptions | undefined, page: PageCall<T>): Promise<Page<T>> {
    const where = namespace === undefined ? 'in all namespaces' : `in namespace "${namespace}"`;
    const fetchPage = async (cont: string | undefined): Promise<Page<T>> => {
      const r = await call(`list ${what} ${where}`, 'idempotent', (options) =>
        page({ limit: o?.limit ?? DEFAULT_CHUNK, _continue: cont, labelSelector: o?.labelSelector, fieldSelector: o?.fieldSelector }, options),
      );
      return { items: r.items ?? [], continue: r.metadata?._continue || undefined, resourceVersion: r.metadata?.resourceVersion };
    };
    if (o?.singlePage || o?.continue !== undefined) return fetchPage(o?.continue);
    const all: Page<T> = { items: [] };
    for await (const p of listPages(fetchPage)) {
      all.items.push(...p.items);
      all.resourceVersion ??= p.resourceVersion;
    }
    return all;
  }

  const get = (kind: string, name: string, namespace?: string) => `get ${kind} "${name}"${namespace ? ` in namespace "${namespace}"` : ''}`;

  async function raw(method: string, path: string, body: unknown, contentType: string | undefined, policy: RetryPolicy): Promise<unknown> {
    const r = await runCall(s.call, `${method} ${path}`, policy, async (a) => {
      const ctx = new k8s.RequestContext(s.call.server + (path.startsWith('/') ? path : `/${path}`), method as 'GET');
      ctx.setHeaderParam('Accept', 'application/json, */*;q=0.8');
      if (body !== undefined) {
        ctx.setHeaderParam('Content-Type', contentType ?? 'application/json');
        ctx.setBody(typeof body === 'string' ? body : JSON.stringify(body));
      }
      await a.middleware.pre(ctx);
      const rsp = await a.middleware.post(await s.transport.send(ctx).toPromise());
      const text = await rsp.body.text();
      if (rsp.httpStatusCode < 200 || rsp.httpStatusCode > 299) throw new k8s.ApiException(rsp.httpStatusCode, `${method} ${path}`, text, rsp.headers);
      if (text === '') return undefined;
      return /json/.test(rsp.headers['content-type'] ?? '') || /^\s*[[{]/.test(text) ? JSON.parse(text) : text;
    });
    return r.value;
  }

  return {
    readPod: (namespace, name) => call(get('pods', name, namespace), 'idempotent', (o) => core.readNamespacedPod({ name, namespace }, o)),
    listPods: (namespace, o) =>
      list('pods', namespace, o, (p, options) => (namespace === undefined ? core.listPodForAllNamespaces(p, options) : core.listNamespacedPod({ ...p, namespace }, options))),
    readServiceAccount: (namespace, name) =>
      call(get('serviceaccounts', name, namespace), 'idempotent', (o) => core.readNamespacedServiceAccount({ name, namespace }, o)),
    listServiceAccounts: (namespace, o) =>
      list('serviceaccounts', namespace, o, (p, options) =>
        namespace === undefined ? core.listServiceAccountForAllNamespaces(p, options) : core.listNamespacedServiceAccount({ ...p, namespace }, options),
      ),
    readSecret: (namespace, name) => call(get('secrets', name, namespace), 'idempotent', (o) => core.readNamespacedSecret({ name, namespace }, o)),
    listSecrets: (namespace, o) =>
      list('secrets', namespace, o, (p, options) => (namespace === undefined ? core.listSecretForAllNamespaces(p, options) : core.listNamespacedSecret({ ...p, namespace }, options))),
    readNode: (name) => call(get('nodes', name), 'idempotent', (o) => core.readNode({ name }, o)),
    listNodes: (o) => list('nodes', undefined, o, (p, options) => core.listNode(p, options)),
    listEvents: (namespace, o) =>
      list('events', namespace, o, (p, options) => (namespace === undefined ? core.listEventForAllNamespaces(p, options) : core.listNamespacedEvent({ ...p, namespace }, options))),
    readConfigMap: (namespace, name) => call(get('configmaps', name, namespace), 'idempotent', (o) => core.readNamespacedConfigMap({ name, namespace }, o)),
    listNamespaces: (o) => list('namespaces', undefined, o, (p, options) => core.listNamespace(p, options)),

    async createToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec) {
      const r = await runCall(s.call, `create token for serviceaccount "${namespace}/${serviceAccount}"`, 'write', (a) =>
        core.createNamespacedServiceAccountToken(
          {
            name: serviceAccount,
            namespace,
            body: {
              apiVersion: 'authentication.k8s.io/v1',
              kind: 'TokenRequest',
              spec: { audiences: spec.audiences ?? [], expirationSeconds: spec.expirationSeconds, boundObjectRef: spec.boundObjectRef },
            },
          },
          opts(a),
        ),
      );
      return { tokenRequest: r.value, warnings: r.warnings };
    },
    // Reviews change nothing on the server, so they are retried like reads.
    createTokenReview: (token, audiences) =>
      call('create tokenreview', 'idempotent', (o) =>
        authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences } } }, o),
      ),
    createSelfSubjectReview: () =>
      call('create selfsubjectreview', 'idempotent', (o) =>
        authn.createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } }, o),
      ),
    createSelfSubjectAccessReview: (attrs: AccessAttributes) =>
      call('create selfsubjectaccessreview', 'idempotent', (o) =>
        authz.createSelfSubjectAccessReview(
          { body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { ...attrs } } } },
          o,
        ),
      ),

    getRaw: (path) => raw('GET', path, undefined, undefined, 'idempotent'),
    request: (method, path, body, contentType) => raw(method, path, body, contentType, method === 'GET' ? 'idempotent' : 'write'),

    exec: (namespace, pod, container, command): Promise<ExecResult> =>
      execInPod({ k8s, kc: s.kc, transportSettings: s.transportSettings, call: s.call }, namespace, pod, container, command),
  };
}
