/**
 * Dispatch by path: control endpoints, version/health, discovery, OIDC discovery, then resource
 * requests (the generic REST verbs, subresources, and the virtual create-only review kinds).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { UserInfo } from '../auth/user';
import type { Cluster } from '../cluster';
import { badRequest, methodNotSupported, notFound, StatusError } from '../errors';
import { findResource } from '../resources';
import { handleControl } from '../control/endpoints';
import { aggregated, AGGREGATED_V2, apiGroupDoc, apiGroupList, apiResourceList, apiVersions, wantsAggregated } from './discovery';
import type { RequestInfo } from './request-info';
import { json, Reply } from './respond';
import { openApiV3Doc, openApiV3Index } from './openapi';
import * as rest from './rest';
import { watch } from './watch';

export interface RoutedRequest {
  method: string;
  url: URL;
  info: RequestInfo;
  user: UserInfo;
  body: any;
  contentType?: string;
  accept?: string;
  warn(text: string): void;
  audit: Record<string, string>;
}

export type Upgrade = (cluster: Cluster, req: IncomingMessage, socket: Socket, head: Buffer, info: RequestInfo, user: UserInfo) => void;

/** The version a 1.32 API server reports. */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const NOT_FOUND_PAGE = () => json(404, new StatusError(404, 'NotFound', 'the server could not find the requested resource').toStatus());

function nonResource(cluster: Cluster, r: RoutedRequest): Reply | undefined {
  const p = r.url.pathname.replace(/\/+$/, '') || '/';
  if (p.startsWith('/_emulator/')) return handleControl(cluster, r);
  if (r.method !== 'GET' && r.method !== 'HEAD') return undefined;
  switch (p) {
    case '/version':
      return json(200, VERSION_INFO);
    case '/healthz':
    case '/livez':
    case '/readyz':
      return { status: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' };
    case '/api':
      if (wantsAggregated(r.accept)) return json(200, aggregated('api'), AGGREGATED_V2);
      return json(200, apiVersions(new URL(cluster.url).host));
    case '/apis':
      if (wantsAggregated(r.accept)) return json(200, aggregated('apis'), AGGREGATED_V2);
      return json(200, apiGroupList());
    case '/api/v1': {
      return json(200, apiResourceList('', 'v1'));
    }
  }
  if (p === '/openapi/v3') return json(200, openApiV3Index());
  if (p.startsWith('/openapi/v3/')) {
    const doc = openApiV3Doc(p.slice('/openapi/v3/'.length));
    return doc ? json(200, doc) : NOT_FOUND_PAGE();
  }
  const special = cluster.nonResource.get(p);
  if (special) {
    const out = special();
    return { status: out.status ?? 200, body: out.body, contentType: out.contentType ?? 'application/json', headers: out.headers };
  }
  let m = /^\/apis\/([^/]+)$/.exec(p);
  if (m) {
    const doc = apiGroupDoc(m[1]);
    return doc ? json(200, doc) : NOT_FOUND_PAGE();
  }
  m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
  if (m) {
    const doc = apiResourceList(m[1], m[2]);
    return doc ? json(200, doc) : NOT_FOUND_PAGE();
  }
  return undefined;
}

export function route(cluster: Cluster, r: RoutedRequest): Reply | undefined {
  const info = r.info;
  if (!info.isResourceRequest) return nonResource(cluster, r) ?? NOT_FOUND_PAGE();
  const type = findResource(info.group, info.resource ?? '');
  if (!type || type.version !== info.version) return NOT_FOUND_PAGE();
  if (type.namespaced === false && info.namespace && info.resource !== 'namespaces') return NOT_FOUND_PAGE();

  const req: rest.RestRequest = {
    cluster,
    type,
    namespace: type.namespaced ? info.namespace : undefined,
    name: info.name,
    subresource: info.subresource,
    query: r.url.searchParams,
    body: r.body,
    contentType: r.contentType,
    accept: r.accept,
    user: r.user,
    warn: r.warn,
  };

  // Registered handlers: virtual kinds (reviews) and subresources such as serviceaccounts/token.
  const key = info.subresource ? `${type.group}/${type.resource}/${info.subresource}` : `${type.group}/${type.resource}`;
  const handler = cluster.handlers.get(key);
  if (handler && (r.method === 'POST' || type.virtual)) {
    if (r.method !== 'POST') throw methodNotSupported(type.resource, info.verb);
    if (!r.body || typeof r.body !== 'object') throw badRequest('the body of the request is empty');
    const out = handler({ user: r.user, namespace: info.namespace, name: info.name, body: r.body, query: r.url.searchParams, warn: r.warn });
    return json(out.status ?? 201, out.body);
  }
  if (type.virtual) {
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }

  if (info.subresource) {
    const sub = type.subresources?.find((s) => s.name === info.subresource);
    if (!sub) return NOT_FOUND_PAGE();
    if (info.subresource === 'status') {
      if (r.method === 'GET') return rest.get(req);
      if (r.method === 'PUT') return rest.update(req);
      if (r.method === 'PATCH') return rest.patch(req);
      throw methodNotSupported(type.resource, info.verb);
    }
    if (info.subresource === 'exec') {
      cluster.store.mustGet(type, info.namespace, info.name!);
      throw new StatusError(400, 'BadRequest', 'Upgrade request required');
    }
    if (info.subresource === 'log') {
      const pod = cluster.store.mustGet(type, info.namespace, info.name!);
      return { status: 200, body: `emulated container log of ${pod.metadata.name}\n`, contentType: 'text/plain' };
    }
    return NOT_FOUND_PAGE();
  }

  switch (r.method) {
    case 'GET':
    case 'HEAD':
      if (info.name) return rest.get(req);
      if (info.verb === 'watch') return watch(req);
      return rest.list(req);
    case 'POST':
      if (info.name) throw methodNotSupported(type.resource, 'create');
      return rest.create(req);
    case 'PUT':
      if (!info.name) throw methodNotSupported(type.resource, 'update');
      return rest.update(req);
    case 'PATCH':
      if (!info.name) throw methodNotSupported(type.resource, 'patch');
      return rest.patch(req);
    case 'DELETE':
      if (!info.name) return rest.deleteCollection(req);
      return rest.remove(req);
    default:
      throw methodNotSupported(type.resource, info.verb);
  }
}

export { notFound };
