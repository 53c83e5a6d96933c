/**
 * Plugs the token modules (tokens/) into the platform: the EmulatorHost they see the cluster
 * through, the bearer authenticator, TokenRequest, TokenReview, SelfSubjectReview, issuer
 * discovery, and the legacy token issuer the token controller uses.
 */
import type { Cluster } from './cluster';
import { recordEvent } from './controllers/events';
import { containerEvents } from './controllers/pods';
import { runningStatus } from './admission/pod';
import type { ConfigMap, EmulatorHost, KeySet, Node, Pod, Secret, ServiceAccount } from './host';
import { authenticateBearer } from './tokens/authenticate';
import { issueLegacyToken } from './tokens/issue';
import { JWKS_CONTENT_TYPE, JWKS_PATH, jwksDocument, OIDC_CACHE_CONTROL, OPENID_CONFIG_PATH, openIdConfiguration } from './tokens/oidc';
import { selfSubjectReview } from './tokens/self-subject-review';
import { createTokenRequest } from './tokens/token-request';
import { reviewToken } from './tokens/token-review';
import type { KubeObject } from './store/types';
import { rfc3339 } from './store/store';
import type { UserInfo } from './auth/user';
import { Kubelet, waitingForVolumes } from './kubelet/kubelet';
import { installAppTraffic } from './audit/traffic';

export function createHost(cluster: Cluster, keys: KeySet): EmulatorHost {
  const get = <T>(resource: string, ns: string | undefined, name: string) => cluster.get('', resource, ns, name) as unknown as T | undefined;
  return {
    getServiceAccount: (ns, name) => get<ServiceAccount>('serviceaccounts', ns, name),
    getPod: (ns, name) => get<Pod>('pods', ns, name),
    getSecret: (ns, name) => get<Secret>('secrets', ns, name),
    getConfigMap: (ns, name) => get<ConfigMap>('configmaps', ns, name),
    getNode: (name) => get<Node>('nodes', undefined, name),
    listPods: () => cluster.store.list(cluster.type('', 'pods'), undefined).items as unknown as Pod[],
    listPodsIn: (ns) => cluster.store.list(cluster.type('', 'pods'), ns).items as unknown as Pod[],
    updateSecretLabels: (ns, name, labels) => {
      const t = cluster.type('', 'secrets');
      const s = cluster.store.get(t, ns, name);
      if (!s) return;
      const next = structuredClone(s);
      const merged: Record<string, string> = { ...(next.metadata.labels ?? {}) };
      for (const [k, v] of Object.entries(labels)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      next.metadata.labels = merged;
      delete next.metadata.resourceVersion;
      cluster.store.update(t, next);
    },
    recordEvent: (e) => void recordEvent(cluster, e),
    startPod: (ns, name, at) => {
      const t = cluster.type('', 'pods');
      const pod = cluster.store.get(t, ns, name);
      if (!pod) return;
      const next = structuredClone(pod);
      next.status = runningStatus(cluster, pod, at);
      delete next.metadata.resourceVersion;
      const updated = cluster.store.update(t, next);
      containerEvents(cluster, updated, at);
    },
    now: () => cluster.clock.now(),
    options: {
      issuers: cluster.options.issuers,
      apiAudiences: cluster.options.apiAudiences,
      extendTokenExpiration: cluster.options.extendTokenExpiration,
      maxTokenExpirationSeconds: cluster.options.maxTokenExpirationSeconds,
      get serverUrl() {
        return cluster.url;
      },
    },
    keys,
  };
}

export function wireTokens(cluster: Cluster, host: EmulatorHost): void {
  cluster.authenticateBearer = (token) => {
    const r = authenticateBearer(token, host);
    if (!r.ok) return { ok: false, reason: r.error, auditAnnotations: r.auditAnnotations };
    return { ok: true, user: r.user as UserInfo, warnings: r.warnings, auditAnnotations: r.auditAnnotations };
  };
  cluster.issueLegacyToken = (sa: KubeObject, secretName: string) => issueLegacyToken(host.keys, sa as unknown as ServiceAccount, secretName).token;

  cluster.handlers.set('/serviceaccounts/token', ({ namespace, name, body, warn }) => {
    const r = createTokenRequest(host, namespace!, name!, body);
    if (!r.ok) return { status: r.status.code, body: r.status };
    r.warnings.forEach(warn);
    return { status: 201, body: r.tokenRequest };
  });
  cluster.handlers.set('authentication.k8s.io/tokenreviews', ({ body }) => {
    const r = reviewToken(host, body);
    if (!r.ok) return { status: r.status.code, body: r.status };
    return { status: 201, body: r.tokenReview };
  });
  cluster.handlers.set('authentication.k8s.io/selfsubjectreviews', ({ user, body }) => ({
    status: 201,
    body: selfSubjectReview(user, rfc3339(cluster.clock.now()), body?.apiVersion === 'authentication.k8s.io/v1beta1' ? 'authentication.k8s.io/v1beta1' : undefined),
  }));
  const cache = { 'Cache-Control': OIDC_CACHE_CONTROL };
  cluster.nonResource.set(OPENID_CONFIG_PATH, () => ({ body: openIdConfiguration(host), headers: cache }));
  cluster.nonResource.set(JWKS_PATH, () => ({ body: jwksDocument(host), contentType: JWKS_CONTENT_TYPE, headers: cache }));
}

/**
 * The emulated kubelets: they materialise pod file systems and rotate projected tokens when synced.
 * Synced when the clock moves and before an exec, not on every request: the first sync of a pod
 * mints its tokens, which would make every request pay for 100,000 bulk-loaded objects.
 *
 * Laziness must not reorder what a client sees (issue 16): a pod the API reports Running has had
 * its volumes set up, so
 * - a pod created (or turned Running) through the API is set up at once, in the store's event;
 * - a pod already Running but not yet set up (bulk-loaded, or created before this wiring) is set up
 *   before any write to what its volumes read (a ServiceAccount, Secret or ConfigMap of its
 *   namespace, its Node) is applied, so the write cannot leak into a token "issued" earlier.
 */
export function wireKubelet(cluster: Cluster, host: EmulatorHost): Kubelet {
  const kubelet = new Kubelet(host);
  cluster.store.subscribe((e) => {
    if (e.group !== '' || e.type === 'DELETED') return;
    if (e.resource === 'pods') {
      if (e.object.status?.phase === 'Running' && e.old?.status?.phase !== 'Running') kubelet.podRunning(e.object as unknown as Pod);
      else if (e.type === 'ADDED' && waitingForVolumes(e.object as unknown as Pod)) kubelet.podWaiting(e.object as unknown as Pod);
    } else if (e.resource === 'secrets' || e.resource === 'configmaps') {
      // The volume manager retries a failed mount (at most 2m2s later upstream); here at once.
      kubelet.retryWaiting(e.object.metadata.namespace!);
    }
  });
  cluster.store.beforeChange((c) => {
    if (c.group !== '') return;
    if (c.resource === 'serviceaccounts' || c.resource === 'secrets' || c.resource === 'configmaps') kubelet.setUpPending({ namespace: c.namespace });
    else if (c.resource === 'nodes') kubelet.setUpPending({ nodeName: c.name });
  });
  cluster.onClockAdvance.push(() => kubelet.sync());
  // The apps' own API requests (audit/traffic.ts), after the kubelet has rotated their tokens.
  installAppTraffic(cluster, kubelet);
  cluster.execRunner = ({ pod, container, command }) => {
    kubelet.sync();
    const r = kubelet.exec(pod.metadata.namespace!, pod.metadata.name, container, command);
    if (!r.ok) return { status: r.status };
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  };
  return kubelet;
}
