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
import { OperationError } from '../errors.js';
import { LIMITS } from '../limits.js';
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

/** A LIST response as the API server sends it (JSON, before any model class). */
interface ListBody<T> {
  items?: T[] | null;
  metadata?: { continue?: string; resourceVersion?: string };
}

/** The collection's path: `/api/v1/pods` (all namespaces) or `/api/v1/namespaces/NS/pods`. */
function collectionPath(resource: string, namespace: string | undefined): string {
  return namespace === undefined ? `/api/v1/${resource}` : `/api/v1/namespaces/${encodeURIComponent(namespace)}/${resource}`;
}

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

  /**
   * LISTs are fetched as JSON and handed on as parsed, not through client-node's typed list calls:
   * those turn every page into model class instances (a second copy of each object, timestamps as
   * Date). At the scale benchmark (issue 8) that copy cost migrate-legacy -A a third of its time
   * (6.5 → 4.0 s) and some 20 MB of peak RSS. The items keep the API's JSON shape (timestamps are
   * RFC 3339 strings; the checks and scans read them with `new Date(…)` / `Date.parse`).
   */
  /**
   * Objects listed before each `continue` token this client was handed, whether its caller follows
   * them or list() does: one number per page, at most LIMITS.listItems / 10 of them.
   */
  const listedBefore = new Map<string, number>();

  async function list<T>(resource: string, namespace: string | undefined, o: ListOptions | undefined): Promise<Page<T>> {
    const where = namespace === undefined ? 'in all namespaces' : `in namespace "${namespace}"`;
    const base = collectionPath(resource, namespace);
    const fetchPage = async (cont: string | undefined): Promise<Page<T>> => {
      // client-node's order of query parameters, so that request logs read the same as before.
      const q = new URLSearchParams();
      if (cont !== undefined) q.set('continue', cont);
      if (o?.fieldSelector !== undefined) q.set('fieldSelector', o.fieldSelector);
      if (o?.labelSelector !== undefined) q.set('labelSelector', o.labelSelector);
      q.set('limit', String(o?.limit ?? DEFAULT_CHUNK));
      const r = (await raw('GET', `${base}?${q}`, undefined, undefined, 'idempotent', `list ${resource} ${where}`)) as ListBody<T> | undefined;
      const items = r?.items ?? [];
      const next = r?.metadata?.continue || undefined;
      // An empty page counts as a few objects, so that endless empty pages end too; a token the
      // server hands out again carries its count on (the entries are kept), so a loop ends as well.
      const listed = (cont === undefined ? 0 : (listedBefore.get(cont) ?? 0)) + Math.max(items.length, 10);
      if (listed > LIMITS.listItems) {
        throw new OperationError(
          `list ${resource} ${where}: the API server sent more than ${LIMITS.listItems} objects, page after page`,
          'is the server a Kubernetes API server? No cluster holds this many',
        );
      }
      if (next !== undefined) listedBefore.set(next, listed);
      return { items, continue: next, resourceVersion: r?.metadata?.resourceVersion };
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

  async function raw(method: string, path: string, body: unknown, contentType: string | undefined, policy: RetryPolicy, operation = `${method} ${path}`): Promise<unknown> {
    const r = await runCall(s.call, operation, policy, async (a) => {
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
    listPods: (namespace, o) => list('pods', namespace, o),
    readServiceAccount: (namespace, name) =>
      call(get('serviceaccounts', name, namespace), 'idempotent', (o) => core.readNamespacedServiceAccount({ name, namespace }, o)),
    listServiceAccounts: (namespace, o) => list('serviceaccounts', namespace, o),
    readSecret: (namespace, name) => call(get('secrets', name, namespace), 'idempotent', (o) => core.readNamespacedSecret({ name, namespace }, o)),
    listSecrets: (namespace, o) => list('secrets', namespace, o),
    readNode: (name) => call(get('nodes', name), 'idempotent', (o) => core.readNode({ name }, o)),
    listNodes: (o) => list('nodes', undefined, o),
    listEvents: (namespace, o) => list('events', namespace, o),
    readConfigMap: (namespace, name) => call(get('configmaps', name, namespace), 'idempotent', (o) => core.readNamespacedConfigMap({ name, namespace }, o)),
    listNamespaces: (o) => list('namespaces', undefined, o),

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
