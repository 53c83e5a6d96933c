/**
 * Discovery documents: the legacy per-group-version form (/api, /apis, /api/v1, /apis/<g>/<v>)
 * and the aggregated form (apidiscovery.k8s.io/v2) kubectl 1.30+ asks for first.
 */
import { apiVersionOf, GROUPS, RESOURCES, ResourceType } from '../resources';

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export function wantsAggregated(accept: string | undefined): boolean {
  return !!accept && /g=apidiscovery\.k8s\.io;v=v2;as=APIGroupDiscoveryList/.test(accept.replace(/\s/g, ''));
}

function resourcesOf(group: string): ResourceType[] {
  return RESOURCES.filter((r) => r.group === group);
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(g: { group: string; version: string }): object {
  const gv = { groupVersion: `${g.group}/${g.version}`, version: g.version };
  return { name: g.group, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(apiGroup) };
}

export function apiGroupDoc(group: string): object | undefined {
  const g = GROUPS.find((x) => x.group === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined;
}

export function apiResourceList(group: string, version: string): object | undefined {
  const types = resourcesOf(group).filter((r) => r.version === version);
  if (!types.length) return undefined;
  const resources: object[] = [];
  for (const t of types) {
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
    });
    for (const s of t.subresources ?? []) {
      resources.push({
        name: `${t.resource}/${s.name}`,
        singularName: '',
        namespaced: t.namespaced,
        ...(s.group ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

function discoveryGroup(group: string, version: string): object {
  return {
    metadata: { name: group, creationTimestamp: null },
    versions: [
      {
        version,
        resources: resourcesOf(group).map((t) => ({
          resource: t.resource,
          responseKind: { group, version, kind: t.kind },
          scope: t.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: t.singular,
          verbs: t.verbs,
          ...(t.shortNames ? { shortNames: t.shortNames } : {}),
          ...(t.categories ? { categories: t.categories } : {}),
          ...(t.subresources
            ? {
                subresources: t.subresources.map((s) => ({
                  subresource: s.name,
                  responseKind: { group: s.group ?? group, version: s.version ?? version, kind: s.kind },
                  verbs: s.verbs,
                })),
              }
            : {}),
        })),
        freshness: 'Current',
      },
    ],
  };
}

/** The aggregated document for /api (core only) or /apis (every named group). */
export function aggregated(prefix: 'api' | 'apis'): object {
  const items = prefix === 'api' ? [discoveryGroup('', 'v1')] : GROUPS.map((g) => discoveryGroup(g.group, g.version));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}
