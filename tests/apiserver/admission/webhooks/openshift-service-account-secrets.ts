/**
 * OpenShift's ServiceAccount controllers (a controller, not admission): every ServiceAccount gets
 * an image pull Secret `<sa>-dockercfg-<5>` of type kubernetes.io/dockercfg, listed in its
 * `secrets` and `imagePullSecrets`; before 4.16 also a legacy token Secret `<sa>-token-<5>`
 * (kubernetes.io/service-account-token) whose token the dockercfg carries.
 *  - "Prior to OpenShift Container Platform 4.16, a long-lived service account API token secret was
 *    also generated for each service account … Starting with 4.16, this … is no longer created"
 *    (https://docs.redhat.com/en/documentation/openshift_container_platform/latest/html/authentication_and_authorization/understanding-and-creating-service-accounts;
 *    openshift/origin#28810; 4.16's image registry uses bound tokens: openshift/api#1758, #1761);
 *  - the dockercfg content: for each registry host `{"username":"serviceaccount","password":<token>,
 *    "email":"serviceaccount@example.org","auth":base64("serviceaccount:<token>")}` and the
 *    annotation openshift.io/token-secret.name naming the token Secret
 *    (openshift create_dockercfg_secrets.go and its tests, as public copies show); the registry hosts
 *    image-registry.openshift-image-registry.svc:5000 (+ .cluster.local) and the service IP.
 * 4.16 and later: the dockercfg password is a bound token (TokenRequest bound to the dockercfg
 * Secret), minted here once (OpenShift refreshes it; not emulated).
 */
import type { Cluster } from '../../cluster';
import { SA_NAME_ANNOTATION, SA_TOKEN_TYPE, SA_UID_ANNOTATION } from '../secret';
import { randomSuffix } from '../../store/store';
import type { KubeObject, StoreEvent } from '../../store/types';

export const DOCKERCFG_TYPE = 'kubernetes.io/dockercfg';
export const TOKEN_SECRET_NAME_ANNOTATION = 'openshift.io/token-secret.name';
const REGISTRY_HOSTS = ['image-registry.openshift-image-registry.svc:5000', 'image-registry.openshift-image-registry.svc.cluster.local:5000', '172.30.154.142:5000'];

/** Whether this OpenShift version still creates a legacy token Secret per ServiceAccount (< 4.16). */
export function makesLegacyTokenSecrets(version: string): boolean {
  const [major, minor] = version.split('.').map((n) => parseInt(n, 10));
  return major! < 4 || (major === 4 && minor! < 16);
}

export interface OpenShiftSecretsDeps {
  /** A TokenRequest token for the ServiceAccount bound to the Secret (4.16+). */
  boundToken(namespace: string, serviceAccount: string, secret: KubeObject): string | undefined;
}

export function openshiftServiceAccountSecrets(cluster: Cluster, e: StoreEvent, deps: OpenShiftSecretsDeps): void {
  if (e.group !== '' || e.resource !== 'serviceaccounts' || e.type !== 'ADDED') return;
  const sa = e.object;
  const ns = sa.metadata.namespace!;
  const secrets = cluster.type('', 'secrets');
  const owner = { [SA_NAME_ANNOTATION]: sa.metadata.name, [SA_UID_ANNOTATION]: sa.metadata.uid! };
  const legacy = makesLegacyTokenSecrets(cluster.options.providerVersion ?? '4.16');
  let tokenSecretName: string | undefined;
  let password: string | undefined;
  if (legacy) {
    tokenSecretName = `${sa.metadata.name}-token-${randomSuffix()}`;
    // The legacy token controller (controllers/tokens.ts) fills it on its own event.
    cluster.store.create(secrets, { apiVersion: 'v1', kind: 'Secret', type: SA_TOKEN_TYPE, metadata: { name: tokenSecretName, namespace: ns, annotations: { ...owner } }, data: {} });
    const filled = cluster.store.get(secrets, ns, tokenSecretName);
    password = filled?.data?.token ? Buffer.from(filled.data.token, 'base64').toString('utf8') : undefined;
  }
  const dockercfgName = `${sa.metadata.name}-dockercfg-${randomSuffix()}`;
  let dockercfg = cluster.store.create(secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    type: DOCKERCFG_TYPE,
    metadata: { name: dockercfgName, namespace: ns, annotations: { ...owner, ...(tokenSecretName ? { [TOKEN_SECRET_NAME_ANNOTATION]: tokenSecretName } : {}) } },
    data: { '.dockercfg': Buffer.from('{}').toString('base64') },
  });
  password ??= deps.boundToken(ns, sa.metadata.name, dockercfg);
  if (password) {
    const entry = { username: 'serviceaccount', password, email: 'serviceaccount@example.org', auth: Buffer.from(`serviceaccount:${password}`).toString('base64') };
    const next = structuredClone(dockercfg);
    next.data = { '.dockercfg': Buffer.from(JSON.stringify(Object.fromEntries(REGISTRY_HOSTS.map((h) => [h, entry])))).toString('base64') };
    delete next.metadata.resourceVersion;
    dockercfg = cluster.store.update(secrets, next);
  }
  const current = cluster.get('', 'serviceaccounts', ns, sa.metadata.name);
  if (!current) return;
  const next = structuredClone(current) as KubeObject & { secrets?: Array<{ name: string }>; imagePullSecrets?: Array<{ name: string }> };
  next.secrets = [...(next.secrets ?? []), ...(tokenSecretName ? [{ name: tokenSecretName }] : []), { name: dockercfgName }];
  next.imagePullSecrets = [...(next.imagePullSecrets ?? []), { name: dockercfgName }];
  delete next.metadata.resourceVersion;
  cluster.store.update(cluster.type('', 'serviceaccounts'), next);
}
