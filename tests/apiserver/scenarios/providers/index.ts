/**
 * The provider scenarios: `provider-<profile>` seeds that profile's cases (cases.ts) — a namespace
 * each, a ServiceAccount `app` (with the case's webhook annotations), a Deployment-owned pod (with
 * its labels, env, a cloud-audience token where the API token belongs, or a token copied into a
 * Secret), RBAC to list pods. The
 * profile's identity webhooks (admission/webhooks/) mutate the pods at admission as on the provider.
 * The group `demo-<profile>` is the generic demo plus them (`npm run demo -- --profile NAME`).
 */
import type { Cluster } from '../../cluster';
import { createObject } from '../../objects';
import { TOKEN_MOUNT_PATH } from '../../admission/pod';
import { CONTROLLED_LABEL, createDeployment } from '../demo-workloads';
import { APP_READS_ANNOTATION } from '../demo';
import type { Scenario } from '../index';
import { PROFILE_NAMES, type ProfileName } from '../../profiles';
import { providerCases, type ProviderCase } from './cases';

export { providerCases, PROVIDER_CASES, type ProviderCase } from './cases';

const APP = 'app';

function seedCase(cluster: Cluster, c: ProviderCase): void {
  const ns = c.namespace;
  const o = c.objects;
  createObject(cluster, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [CONTROLLED_LABEL]: 'true' } } });
  createObject(cluster, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: APP, namespace: ns, ...(o.saAnnotations ? { annotations: o.saAnnotations } : {}) } });
  createObject(cluster, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'pod-reader', namespace: ns },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
  });
  createObject(cluster, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'app-pod-reader', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    subjects: [{ kind: 'ServiceAccount', name: APP, namespace: ns }],
  });
  const container: Record<string, unknown> = { name: APP, image: 'example.com/shop/app:1.4', ...(o.env ? { env: o.env } : {}) };
  const spec: Record<string, unknown> = { serviceAccountName: APP, containers: [container], ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}) };
  if (o.apiTokenAudience) {
    // The cloud token's projection, mounted where client libraries read the API token.
    spec.automountServiceAccountToken = false;
    container.volumeMounts = [{ name: 'api-token', mountPath: TOKEN_MOUNT_PATH, readOnly: true }];
    spec.volumes = [
      {
        name: 'api-token',
        projected: {
          sources: [
            { serviceAccountToken: { audience: o.apiTokenAudience, expirationSeconds: 3600, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ];
  }
  if (o.copiedToken) {
    const token = createToken(cluster, ns, APP, o.copiedToken.audience, 3600);
    createObject(cluster, { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'copied-token', namespace: ns }, data: { token: Buffer.from(token).toString('base64') } });
    container.volumeMounts = [...((container.volumeMounts as unknown[]) ?? []), { name: 'copied', mountPath: o.copiedToken.dir, readOnly: true }];
    spec.volumes = [...((spec.volumes as unknown[]) ?? []), { name: 'copied', secret: { secretName: 'copied-token' } }];
  }
  createDeployment(cluster, ns, 'worker', spec, { podAnnotations: { [APP_READS_ANNOTATION]: 'always' }, ...(o.podLabels ? { podLabels: o.podLabels } : {}) });
}

/**
 * `kubectl create token SA --audience A --duration Ns`: the TokenRequest handler, called as the API
 * call would be (not bound to any object, so it lives exactly its duration).
 */
function createToken(cluster: Cluster, namespace: string, name: string, audience: string, seconds: number): string {
  const handler = cluster.handlers.get('/serviceaccounts/token');
  if (!handler) throw new Error('the TokenRequest handler is not wired');
  const r = handler({ user: { username: 'kubernetes-admin', groups: ['system:masters'] }, namespace, name, body: { spec: { audiences: [audience], expirationSeconds: seconds } }, query: new URLSearchParams(), warn: () => {} });
  const token = (r.body as { status?: { token?: string } }).status?.token;
  if (r.status !== 201 || !token) throw new Error(`TokenRequest for ${namespace}/${name} failed: ${JSON.stringify(r.body)}`);
  return token;
}

export function providerScenario(profile: ProfileName): Scenario {
  return {
    name: `provider-${profile}`,
    describe: `the ${profile} profile's broken workloads (scenarios/providers/cases.ts)`,
    seed(cluster) {
      for (const c of providerCases(profile)) seedCase(cluster, c);
    },
  };
}

export const PROVIDER_SCENARIOS: Scenario[] = PROFILE_NAMES.map(providerScenario);
