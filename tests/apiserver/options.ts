/**
 * The emulator's start options (the programmatic API and the CLI flags map onto these), and the
 * resolved form with upstream defaults filled in.
 */
import { profileNamed, type IdentityName, type Profile, type ProfileName } from './profiles';
import type { KubeObject } from './store/types';

export interface StartOptions {
  /**
   * The provider the cluster imitates (profiles/): issuer, API audiences, control-plane and node
   * shape, kubeconfig shape, identity webhooks. Default 'kubeadm' (today's cluster).
   * `issuers`/`apiAudiences` given here win over the profile's.
   */
  profile?: ProfileName;
  /**
   * Who the written kubeconfig authenticates as: 'admin' (default; a cluster admin) or 'viewer'
   * (the `view` ClusterRole only — issuer discovery and most writes are forbidden to it).
   */
  identity?: IdentityName;
  /** The provider's version where its behaviour changed (OpenShift: '4.15' still makes legacy token Secrets; default '4.16'). */
  providerVersion?: string;
  /** 0 (default) = any free port. */
  port?: number;
  /** Named scenario sets to seed ('demo', 'healthy', …) or 'none'. */
  scenarios?: string | string[];
  /** Files (YAML multi-doc or JSON List) or objects to load at start, bypassing admission. */
  objects?: Array<string | KubeObject>;
  /** Added to every request before it is handled. */
  latencyMs?: number;
  /** --service-account-issuer, repeatable: the first signs, all are accepted. */
  issuers?: string[];
  /** --api-audiences; upstream default: the issuers. */
  apiAudiences?: string[];
  /** --service-account-extend-token-expiration (default true). */
  extendTokenExpiration?: boolean;
  /** --service-account-max-token-expiration in seconds (default unset). */
  maxTokenExpirationSeconds?: number;
  /** Where the admin kubeconfig is written (default: a temp file, removed by stop()). */
  kubeconfigPath?: string;
  /** JSON-lines audit log (one line per request), as kube-apiserver's --audit-log-path. */
  auditLogPath?: string;
  /** The emulated clock's start (default: the real time). */
  now?: Date;
}

export interface ResolvedOptions {
  profile: Profile;
  identity: IdentityName;
  providerVersion?: string;
  port: number;
  scenarios: string[];
  objects: Array<string | KubeObject>;
  latencyMs: number;
  issuers: string[];
  apiAudiences: string[];
  /** Whether --api-audiences was given (the static pod's command shows only given flags). */
  apiAudiencesGiven: boolean;
  extendTokenExpiration: boolean;
  maxTokenExpirationSeconds?: number;
  kubeconfigPath?: string;
  auditLogPath?: string;
  now?: Date;
}

/** kubeadm's default issuer. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export function resolveOptions(o: StartOptions = {}): ResolvedOptions {
  const profile = profileNamed(o.profile);
  const issuers = o.issuers?.length ? o.issuers : [...profile.issuers];
  // The profile's --api-audiences apply only with its own issuers: with --issuer given and no
  // --api-audiences, upstream's default (the issuers) is what such a server would run with.
  const profileAudiences = o.issuers?.length ? undefined : profile.apiAudiences;
  const apiAudiences = o.apiAudiences?.length ? o.apiAudiences : profileAudiences;
  const scenarios = o.scenarios === undefined ? [] : (Array.isArray(o.scenarios) ? o.scenarios : [o.scenarios]).filter((s) => s !== 'none');
  return {
    profile,
    identity: o.identity ?? 'admin',
    providerVersion: o.providerVersion,
    port: o.port ?? 0,
    scenarios,
    objects: o.objects ?? [],
    latencyMs: o.latencyMs ?? 0,
    issuers,
    // Upstream (pkg/kubeapiserver/options/authentication.go): unset --api-audiences = the issuers.
    apiAudiences: apiAudiences?.length ? [...apiAudiences] : [...issuers],
    apiAudiencesGiven: !!apiAudiences?.length,
    extendTokenExpiration: o.extendTokenExpiration ?? true,
    maxTokenExpirationSeconds: o.maxTokenExpirationSeconds,
    kubeconfigPath: o.kubeconfigPath,
    auditLogPath: o.auditLogPath,
    now: o.now,
  };
}
