/**
 * What a request asks for, parsed from method and path as upstream's RequestInfoFactory does:
 * the attributes RBAC decides on and the router dispatches by.
 */
export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix?: 'api' | 'apis';
  group: string;
  version: string;
  namespace?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

/** Subresources of a namespace (anything else after /namespaces/<ns>/ is a resource in it). */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Connect-type subresources: authorized with `create` for every method (1.31+ websocket rule). */
const CONNECT = new Set(['exec', 'attach', 'portforward']);

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const parts = path.split('/').filter((p) => p !== '');
  const nonResource: RequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase(), group: '', version: '' };
  if (parts[0] !== 'api' && parts[0] !== 'apis') return nonResource;
  const info: RequestInfo = { isResourceRequest: true, path, verb: '', apiPrefix: parts[0] as 'api' | 'apis', group: '', version: '' };
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length < 3) return nonResource; // /api, /api/v1 are discovery
    info.version = parts[1];
    rest = parts.slice(2);
  } else {
    if (parts.length < 4) return nonResource; // /apis, /apis/<g>, /apis/<g>/<v>
    info.group = parts[1];
    info.version = parts[2];
    rest = parts.slice(3);
  }
  if (rest[0] === 'namespaces') {
    if (rest.length > 1) {
      info.namespace = rest[1];
      if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
    }
  }
  info.resource = rest[0];
  if (rest.length > 1) info.name = rest[1];
  if (rest.length > 2) info.subresource = rest[2];
  // GET /api/v1/namespaces/<ns> names a namespace, not a namespaced request.
  if (info.resource === 'namespaces' && info.name && !info.subresource) info.namespace = info.name;
  if (info.resource === 'namespaces' && info.name && info.subresource) info.namespace = info.name;

  switch (method) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name ? 'get' : query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'list';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
    default:
      info.verb = method.toLowerCase();
  }
  if (info.subresource && CONNECT.has(info.subresource)) info.verb = 'create';
  return info;
}
