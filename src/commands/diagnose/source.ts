/**
 * The live DiagnosisSource: each piece of cluster data fetched once per run (RunCache), pieces
 * that do not depend on one another fetched at the same time. For one pod the critical path is
 * three round trips: GET pod ‖ events ‖ token Secrets ‖ discovery ‖ JWKS ‖ kube-apiserver pod,
 * then GET ServiceAccount ‖ GET node ‖ exec, then TokenReview ‖ SelfSubjectAccessReviews.
 *
 * The token is read by `readToken`: one exec into the container, or (diagnose --self) the files.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { RunCache } from '../../checks/cache.js';
import {
  got,
  missing,
  type AccessDecision,
  type ApiServerTokenConfig,
  type AuthOutcome,
  type DiagnosisSource,
  type Fetched,
  type MountedToken,
  type TokenFile,
} from '../../checks/context.js';
import { SECRET_TOKEN_TYPE, serviceAccountName } from '../../checks/spec.js';
import { ApiError } from '../../kube/errors.js';
import type { AccessAttributes, KubeApi, KubeConnection } from '../../kube/types.js';
import type { InspectOptions } from '../../jwt/inspect.js';
import type { Jwks, TokenInspection } from '../../jwt/types.js';
import { skipReason } from '../../checks/format.js';
import { accessReview, reviewToken, whoAmI } from '../test-auth/steps.js';

export type Inspect = (raw: string, opts: InspectOptions) => Promise<TokenInspection>;

export interface SourceSettings {
  conn: Pick<KubeConnection, 'api' | 'forToken'>;
  namespace: string;
  podName: string;
  /** The pod, once read (the source starts pod-independent fetches before it arrives). */
  pod: Promise<V1Pod | undefined>;
  now: Date;
  cache: RunCache;
  inspect: Inspect;
  /** A scan shares one fetch of the API server's settings among all its pods. */
  apiServer?: () => Promise<Fetched<ApiServerTokenConfig>>;
  /** Reads the mounted token once (exec or files); the source caches it. */
  readToken: () => Promise<Fetched<MountedToken>>;
  /** Reads another token file of the container (third-party tokens); absent in a scan. */
  readFile?: (path: string) => Promise<Fetched<TokenFile>>;
}

/** An API call's answer as a Fetched: 403 names the permission, 404 is `notFound` when given. */
export async function fetched<T>(call: () => Promise<T>, permission: string, notFound?: () => T): Promise<Fetched<T>> {
  try {
    return got(await call());
  } catch (e) {
    if (e instanceof ApiError && e.code === 403) return missing({ kind: 'forbidden', permission, message: e.serverMessage || 'Forbidden' });
    if (e instanceof ApiError && e.code === 404 && notFound) return got(notFound());
    return missing({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

export function liveSource(s: SourceSettings): DiagnosisSource {
  const { api } = s.conn;
  const { cache, namespace } = s;
  const withPod = async <T>(fn: (pod: V1Pod) => Promise<Fetched<T>>, why = 'the pod could not be read'): Promise<Fetched<T>> => {
    const pod = await s.pod;
    return pod ? fn(pod) : missing({ kind: 'not-applicable', message: why });
  };

  const source: DiagnosisSource = {
    serviceAccount: () =>
      cache.once('serviceaccount', () =>
        withPod((pod) => {
          const name = serviceAccountName(pod);
          return fetched(() => api.readServiceAccount(namespace, name), `get serviceaccounts in ${namespace}`, () => null);
        }),
      ),
    node: () =>
      cache.once('node', () =>
        withPod((pod) => {
          const name = pod.spec?.nodeName;
          if (!name) return Promise.resolve(missing({ kind: 'not-applicable', message: 'the pod is not scheduled' }));
          return fetched(() => api.readNode(name), 'get nodes', () => null);
        }),
      ),
    tokenSecrets: () =>
      cache.once('token-secrets', () =>
        fetched(async () => (await api.listSecrets(namespace, { fieldSelector: `type=${SECRET_TOKEN_TYPE}` })).items, `list secrets in ${namespace}`),
      ),
    podEvents: () =>
      cache.once('events', () =>
        fetched(
          async () =>
            (await api.listEvents(namespace, { fieldSelector: `involvedObject.name=${s.podName}` })).items.filter(
              (e) => e.involvedObject?.name === s.podName && (e.involvedObject.kind ?? 'Pod') === 'Pod',
            ),
          `list events in ${namespace}`,
        ),
      ),
    mountedToken: () => cache.once('mounted-token', s.readToken),
    token: () =>
      cache.once('token', async () => {
        // Started together (the keys verify the signature), but a scan without tokens fetches no keys.
        const server = s.apiServer ? undefined : source.apiServer();
        const mounted = await source.mountedToken();
        if (!mounted.ok) return mounted;
        if (!mounted.value.raw && mounted.value.unreadable) {
          return missing({ kind: 'error', message: `the token file cannot be read (${mounted.value.unreadable})` });
        }
        if (!mounted.value.raw) return missing({ kind: 'not-applicable', message: `no token in ${mounted.value.dir}` });
        const cfg = await (server ?? source.apiServer());
        try {
          const inspection = await s.inspect(mounted.value.raw, {
            now: s.now,
            source: `pod ${namespace}/${s.podName}:${mounted.value.dir}/token`,
            ...(cfg.ok && cfg.value.jwks ? { jwks: cfg.value.jwks } : { notCheckedReason: 'the issuer keys (/openid/v1/jwks) could not be read' }),
          });
          return got(inspection);
        } catch (e) {
          return missing({ kind: 'invalid', message: e instanceof Error ? e.message : String(e) });
        }
      }),
    authentication: () => cache.once('authentication', () => authenticate(s, source)),
    apiServer: () => cache.once('apiserver', () => (s.apiServer ? s.apiServer() : apiServerConfig(api, namespace, async () => (await s.pod) !== undefined))),
    access: (attrs) => cache.once(`access ${JSON.stringify(attrs)}`, () => access(s, source, attrs)),
    ...(s.readFile ? { tokenFile: (path: string) => cache.once(`file ${path}`, () => s.readFile!(path)) } : {}),
  };
  return source;
}

/**
 * The token proves itself with test-auth's own steps (shared, not repeated): a TokenReview as
 * us (the API server's reason for a 401), else — without `create tokenreviews` — a
 * SelfSubjectReview as the token (authenticated or 401, no reason).
 */
async function authenticate(s: SourceSettings, source: DiagnosisSource): Promise<Fetched<AuthOutcome>> {
  const mounted = await source.mountedToken();
  if (!mounted.ok) return mounted;
  const raw = mounted.value.raw;
  if (!raw) return missing({ kind: 'not-applicable', message: 'no token to present' });
  const review = await reviewToken(s.conn.api, raw);
  if (review.status === 'pass' || review.status === 'fail') {
    const user = review.evidence.user;
    return got({
      via: 'tokenreview',
      authenticated: review.status === 'pass',
      ...(user ? { username: user.username, uid: user.uid ?? undefined, groups: user.groups } : {}),
      ...(review.evidence.audiences ? { audiences: review.evidence.audiences } : {}),
      ...(review.status === 'fail' ? { error: review.evidence.error || review.message } : {}),
    });
  }
  const who = await whoAmI(s.conn.forToken(raw));
  if (who.status === 'pass' || who.status === 'fail') {
    const user = who.evidence.user;
    return got({
      via: 'selfsubjectreview',
      authenticated: who.status === 'pass',
      ...(user?.username ? { username: user.username, uid: user.uid ?? undefined, groups: user.groups } : {}),
      ...(who.status === 'fail' ? { httpStatus: who.httpStatus ?? 401 } : {}),
    });
  }
  if (review.httpStatus === 403) return missing({ kind: 'forbidden', permission: 'create tokenreviews', message: `${review.message}; ${who.message}` });
  return missing({ kind: who.status === 'skip' ? 'not-applicable' : 'error', message: who.message });
}

async function access(s: SourceSettings, source: DiagnosisSource, attrs: AccessAttributes): Promise<Fetched<AccessDecision>> {
  const mounted = await source.mountedToken();
  const raw = mounted.ok ? mounted.value.raw : undefined;
  if (raw) {
    const r = await accessReview(s.conn.forToken(raw), attrs);
    if (r.status === 'pass' || (r.status === 'fail' && r.httpStatus !== 401)) {
      return got({ allowed: r.status === 'pass', via: 'selfsubjectaccessreview' });
    }
    if (r.httpStatus === 401) return missing({ kind: 'not-applicable', message: 'the token is not accepted (401)' });
    return missing({ kind: 'error', message: r.message });
  }
  // No token in hand (no exec): ask about the ServiceAccount's user instead, if we may.
  const pod = await s.pod;
  if (!pod) return missing({ kind: 'not-applicable', message: 'the pod could not be read' });
  const ns = s.namespace;
  const user = `system:serviceaccount:${ns}:${serviceAccountName(pod)}`;
  const body = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
      resourceAttributes: { namespace: attrs.namespace, verb: attrs.verb, group: attrs.group ?? '', resource: attrs.resource, subresource: attrs.subresource, name: attrs.name },
    },
  };
  const r = await fetched(
    () => s.conn.api.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', body) as Promise<{ status?: { allowed?: boolean; reason?: string } }>,
    'create subjectaccessreviews',
  );
  if (!r.ok) return r;
  return got({ allowed: Boolean(r.value.status?.allowed), reason: r.value.status?.reason || undefined, via: 'subjectaccessreview' });
}

/**
 * Where a user can see the API server's command line: kubeadm's static pods in kube-system
 * (component=kube-apiserver, KUBERNETES.md §6) and OpenShift's operator-managed pods
 * `kube-apiserver-<node>` in openshift-kube-apiserver (tests/apiserver/profiles/openshift.ts).
 * Managed control planes (EKS, GKE, AKS) and k3s's in-process one show none.
 */
const CONTROL_PLANE_PODS: Array<{ namespace: string; labelSelector?: string; namePrefix?: string }> = [
  { namespace: 'kube-system', labelSelector: 'component=kube-apiserver' },
  { namespace: 'openshift-kube-apiserver', namePrefix: 'kube-apiserver-' },
];

/** The shortest TokenRequest the API server allows (KUBERNETES.md §4): it only shows the defaults, and is thrown away. */
const PROBE_EXPIRATION_SECONDS = 600;

/**
 * What the discovery document, the JWKS and a visible kube-apiserver pod say — fetched together.
 * Without such a pod (managed clusters, k3s) the API audiences and the signing issuer come from what
 * the API server itself answers: a TokenRequest with no audiences (upstream fills spec.audiences
 * with --api-audiences, and the token's iss is the first --service-account-issuer), made for the
 * ServiceAccount `default` of `namespace`. Each fact says where it came from; each source that
 * could not be read says why (`unavailable`).
 */
export async function apiServerConfig(
  api: KubeApi,
  namespace = 'default',
  /**
   * Whether to make the follow-up requests (OpenShift's pods, the TokenRequest) at all: diagnose POD
   * asks them only once the pod was found, so a missing pod leaves no request in flight.
   */
  mayProbe: () => Promise<boolean> = async () => true,
): Promise<Fetched<ApiServerTokenConfig>> {
  const listControlPlane = (w: (typeof CONTROL_PLANE_PODS)[number]) =>
    fetched(
      async () => (await api.listPods(w.namespace, { ...(w.labelSelector ? { labelSelector: w.labelSelector } : {}), limit: 20 })).items.filter((p) => !w.namePrefix || (p.metadata?.name ?? '').startsWith(w.namePrefix)),
      `list pods in ${w.namespace}`,
    );
  const [discovery, jwks, kubeadm] = await Promise.all([
    fetched(() => api.getRaw('/.well-known/openid-configuration') as Promise<{ issuer?: string }>, 'get /.well-known/openid-configuration'),
    fetched(() => api.getRaw('/openid/v1/jwks') as Promise<Jwks>, 'get /openid/v1/jwks'),
    listControlPlane(CONTROL_PLANE_PODS[0]),
  ]);
  // The other places are asked only when kube-system answered and shows no kube-apiserver: one
  // request fewer on kubeadm-like clusters (tests/perf/request-counts.test.ts), and no second wait
  // when kube-system did not answer in time (tests/reliability/time-limits.test.ts).
  const controlPlane = [kubeadm];
  if (kubeadm.ok && kubeadm.value.length === 0 && (await mayProbe())) {
    controlPlane.push(...(await Promise.all(CONTROL_PLANE_PODS.slice(1).map(listControlPlane))));
  }
  const cfg: ApiServerTokenConfig = { sources: [], unavailable: [] };
  if (discovery.ok && discovery.value?.issuer) {
    cfg.discoveryIssuer = discovery.value.issuer;
    cfg.sources.push('/.well-known/openid-configuration issuer');
  } else if (!discovery.ok) {
    cfg.unavailable!.push(`/.well-known/openid-configuration: ${discovery.why.kind === 'forbidden' ? 'forbidden to you' : discovery.why.message}`);
  }
  if (jwks.ok && Array.isArray(jwks.value?.keys)) cfg.jwks = jwks.value;
  const apiserver = controlPlane.flatMap((f) => (f.ok ? f.value : []))[0];
  if (apiserver) {
    const c = apiserver.spec?.containers?.[0];
    const flags = parseFlags([...(c?.command ?? []), ...(c?.args ?? [])]);
    const where = `${apiserver.metadata?.namespace}/${apiserver.metadata?.name}`;
    if (flags.get('service-account-issuer')?.length) {
      cfg.issuers = flags.get('service-account-issuer');
      cfg.sources.push(`${where} --service-account-issuer`);
    }
    const aud = flags.get('api-audiences')?.flatMap((a) => a.split(',')).filter(Boolean);
    if (aud?.length) {
      cfg.apiAudiences = aud;
      cfg.sources.push(`${where} --api-audiences`);
    } else if (cfg.issuers) {
      // Upstream: without --api-audiences the API audiences are the issuers (all of them).
      cfg.apiAudiences = [...cfg.issuers];
      cfg.sources.push(`${where}: no --api-audiences, so the issuers`);
    }
    const extend = flags.get('service-account-extend-token-expiration')?.[0];
    if (extend !== undefined) cfg.extendTokenExpiration = extend !== 'false';
  } else {
    cfg.controlPlaneHidden = controlPlane.every((f) => f.ok);
    cfg.unavailable!.push(
      cfg.controlPlaneHidden
        ? 'kube-apiserver flags: no kube-apiserver pod is visible (a managed or in-process control plane)'
        : `kube-apiserver flags: ${controlPlane.map((f) => (f.ok ? '' : skipReason(f.why))).filter(Boolean).join('; ')}`,
    );
  }
  if (!cfg.apiAudiences && (await mayProbe())) {
    const probe = await fetched(
      () => api.createToken(namespace, 'default', { expirationSeconds: PROBE_EXPIRATION_SECONDS }),
      `create serviceaccounts/token in ${namespace}`,
    );
    if (probe.ok) {
      const auds = probe.value.tokenRequest.spec?.audiences ?? [];
      if (auds.length) {
        cfg.apiAudiences = [...auds];
        cfg.sources.push(`TokenRequest for ${namespace}/default without audiences: spec.audiences`);
      }
      const iss = issuerOf(probe.value.tokenRequest.status?.token);
      if (iss) {
        cfg.signingIssuer = iss;
        cfg.sources.push(`TokenRequest for ${namespace}/default: the token's iss`);
      }
    } else {
      cfg.unavailable!.push(`TokenRequest: ${skipReason(probe.why)}`);
    }
  }
  if (cfg.sources.length === 0 && !cfg.jwks) {
    const first = [discovery, ...controlPlane, jwks].find((f) => !f.ok);
    return first && !first.ok ? missing(first.why) : missing({ kind: 'not-applicable', message: 'the API server publishes no issuer' });
  }
  return got(cfg);
}

/** The unverified `iss` of a token the API server just issued (the token itself is dropped, never shown). */
function issuerOf(token: string | undefined): string | undefined {
  if (!token) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof claims.iss === 'string' ? claims.iss : undefined;
  } catch {
    return undefined;
  }
}

/** `--flag=value` / `--flag value` pairs of a command line; repeated flags keep every value. */
export function parseFlags(argv: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    let value = m[2];
    if (value === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    out.set(m[1], [...(out.get(m[1]) ?? []), value ?? 'true']);
  }
  return out;
}
