/**
 * A minimal OpenAPI v3 surface: the index (/openapi/v3) and one document per group version whose
 * PATCH operations carry `x-kubernetes-group-version-kind` and the `fieldValidation` parameter.
 * That is what kubectl (`--validate=strict`, its default) reads to decide that the server
 * validates fields itself; no schemas are served (kubectl explain does not work).
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, RESOURCES } from '../resources';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const groupVersions = [...new Map(RESOURCES.map((r) => [gvPath(r.group, r.version), { group: r.group, version: r.version }])).entries()];

const docs = new Map<string, object>();
for (const [p, gv] of groupVersions) {
  const paths: Record<string, object> = {};
  for (const t of RESOURCES.filter((r) => r.group === gv.group && r.version === gv.version && !r.virtual)) {
    const base = `/${p}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.resource}/{name}`;
    paths[base] = {
      patch: {
        'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
        'x-kubernetes-action': 'patch',
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } },
        ],
        responses: {},
        operationId: `patch${t.namespaced ? 'Namespaced' : ''}${t.kind}`,
        description: `partially update the specified ${t.kind} (${apiVersionOf(t)})`,
      },
    };
  }
  docs.set(p, { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths, components: { schemas: {} } });
}

const hashes = new Map([...docs].map(([p, d]) => [p, createHash('sha512').update(JSON.stringify(d)).digest('hex').slice(0, 128).toUpperCase()]));

export function openApiV3Index(): object {
  const paths: Record<string, object> = {};
  for (const p of docs.keys()) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashes.get(p)}` };
  return { paths };
}

/** The document for "api/v1" or "apis/<group>/<version>". */
export function openApiV3Doc(p: string): object | undefined {
  return docs.get(p);
}
