/**
 * What a check is given: the pod, the container under diagnosis, the clock, and the cluster data
 * it may need — each piece fetched lazily, once per run, from a DiagnosisSource (the live
 * cluster, the pod's own files with --self, or the pre-listed objects of a scan).
 *
 * Every fetch answers a Fetched<T>: either the value, or why it is not available (not permitted,
 * exec unavailable, not applicable…) so that a check can `skip` with that reason and never throw.
 */
import type { CoreV1Event, V1Container, V1Node, V1Pod, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import type { Jwks, TokenInspection } from '../jwt/types.js';
import type { AccessAttributes } from '../kube/types.js';

/** Why a piece of data is missing: decides the wording of a `skip`. */
export type Unavailable =
  /** RBAC refused the request; `permission` names it (`get nodes`, `create tokenreviews`). */
  | { kind: 'forbidden'; permission: string; message: string }
  /** Exec is off (--no-exec), forbidden, or the image has no shell (distroless). */
  | { kind: 'no-exec'; message: string }
  /** The mode does not collect it (a scan without --deep), or there is nothing to fetch. */
  | { kind: 'not-applicable'; message: string }
  /** The request failed for another reason (timeout, 5xx): the message says which. */
  | { kind: 'error'; message: string }
  /** The data is there but unusable (a token file that is not a JWT): checks judging it fail. */
  | { kind: 'invalid'; message: string };

export type Fetched<T> = { ok: true; value: T } | { ok: false; why: Unavailable };

export const got = <T>(value: T): Fetched<T> => ({ ok: true, value });
export const missing = <T = never>(why: Unavailable): Fetched<T> => ({ ok: false, why });

/** Size and times of one file in the service-account directory, as `stat` shows them. */
export interface FileStat {
  size: number;
  /** Last read: an app that re-reads its token moves it after each kubelet rotation. */
  atime: Date;
  /** Last write: the kubelet's last rotation (it writes a new file and swaps a symlink). */
  mtime: Date;
  /**
   * Set when the file's atime was left by a read of this plugin's own (remembered from an earlier
   * run): `atime` is then the one before that read, and a read by the app since does not show.
   */
  ownReadAt?: Date;
}

/** The token as the container sees it, read once (one exec, or the files themselves with --self). */
export interface MountedToken {
  /** How it was read: `exec` into the container, or `file` (diagnose --self). */
  via: 'exec' | 'file';
  /** The service-account directory that was read. */
  dir: string;
  /** Each expected file: its stat, `null` when missing, undefined when not known. */
  files: Record<'token' | 'ca.crt' | 'namespace', FileStat | null | undefined>;
  /** The token text, when the file was there and readable. Never printed. */
  raw?: string;
  /** Why the token file is there but could not be read (e.g. `cat: …: Permission denied`). */
  unreadable?: string;
}

/** What the API server said of the mounted token (TokenReview, else a SelfSubjectReview as it). */
export interface AuthOutcome {
  via: 'tokenreview' | 'selfsubjectreview';
  authenticated: boolean;
  username?: string;
  uid?: string;
  groups?: string[];
  /** The audiences the API server accepted it for (TokenReview status.audiences). */
  audiences?: string[];
  /** TokenReview status.error, verbatim: the API server's own reason for a 401. */
  error?: string;
  /** HTTP status of the SelfSubjectReview (401 when rejected). */
  httpStatus?: number;
}

/** What is known of the API server's token settings, and where each fact came from. */
export interface ApiServerTokenConfig {
  /** Every accepted issuer (--service-account-issuer, repeatable; the first signs). */
  issuers?: string[];
  /** --api-audiences (defaults to the first issuer when not set). */
  apiAudiences?: string[];
  /** The issuer the discovery document publishes (the first --service-account-issuer). */
  discoveryIssuer?: string;
  /** The iss of a token the API server issued just now (TokenRequest): the first --service-account-issuer. */
  signingIssuer?: string;
  /** No kube-apiserver pod is visible (EKS, GKE, AKS, k3s): its flags cannot be read, only inferred. */
  controlPlaneHidden?: boolean;
  /** --service-account-extend-token-expiration, when the static pod shows it. */
  extendTokenExpiration?: boolean;
  /** The issuer's public keys (/openid/v1/jwks), to verify the token's signature. */
  jwks?: Jwks;
  /** Where each fact came from, for evidence (`kube-system/kube-apiserver-cp1 --api-audiences`). */
  sources: string[];
  /** Sources that could not be read, and why (`/.well-known/openid-configuration: forbidden to you`). */
  unavailable?: string[];
}

export interface AccessDecision {
  allowed: boolean;
  /** The authorizer's reason or denial text. */
  reason?: string;
  /** SelfSubjectAccessReview as the token, or SubjectAccessReview for its ServiceAccount. */
  via: 'selfsubjectaccessreview' | 'subjectaccessreview';
}

/** Requests as the pod's ServiceAccount that the API server refused with 403, as an audit log recorded them. */
export interface DeniedRequest {
  /** What was asked (the audit event's verb and objectRef; no object name: a Role grants by resource). */
  attrs: AccessAttributes;
  count: number;
  /** requestReceivedTimestamp of the last one. */
  last: string;
}

/** One token a pod presented, as the audit log recorded its requests. */
export interface TokenUse {
  /** user.extra credential-id (`JTI=<jti>`); empty when the server names none. */
  credential: string;
  count: number;
  /** requestReceivedTimestamp of the first and the newest request with it. */
  first: string;
  last: string;
  /** Requests audited `authentication.k8s.io/stale-token` (used past its warnafter), and the newest. */
  stale: number;
  lastStale?: string;
}

/** The pod's own authenticated requests in the audit log, by the token each carried. */
export interface TokenUses {
  requests: number;
  /** Newest use first. */
  tokens: TokenUse[];
  /** More distinct tokens than were kept. */
  truncated?: boolean;
}

/**
 * The token another container of the pod holds now (its token file, read by exec), so that the
 * tokens the audit log shows can be told apart per container.
 */
export interface ContainerToken {
  container: string;
  /** The volume mounted at its token directory. */
  volume: string;
  /** `JTI=<jti>` of its token file, as the audit log's credential-id names it; absent when not known. */
  credential?: string;
  /** Why the credential is not known (not running, no exec, no jti). */
  why?: string;
}

/** The cluster data checks may ask for. Every method is called at most once per run per key. */
export interface DiagnosisSource {
  serviceAccount(): Promise<Fetched<V1ServiceAccount | null>>;
  node(): Promise<Fetched<V1Node | null>>;
  /** ServiceAccount token Secrets in the pod's namespace (type kubernetes.io/service-account-token). */
  tokenSecrets(): Promise<Fetched<V1Secret[]>>;
  /** Events whose involvedObject is this pod. */
  podEvents(): Promise<Fetched<CoreV1Event[]>>;
  mountedToken(): Promise<Fetched<MountedToken>>;
  /** The mounted token decoded and judged (JWT core), with what is known of the cluster. */
  token(): Promise<Fetched<TokenInspection>>;
  authentication(): Promise<Fetched<AuthOutcome>>;
  apiServer(): Promise<Fetched<ApiServerTokenConfig>>;
  /** May the pod's token (its ServiceAccount) do this? */
  access(attrs: AccessAttributes): Promise<Fetched<AccessDecision>>;
  /**
   * Another token file in the container (a third party's projected token), read once per path:
   * its stat (null = missing) and text. Absent where the mode reads no files (a scan).
   */
  tokenFile?(path: string): Promise<Fetched<TokenFile>>;
  /** The pod's own requests refused with 403 (diagnose --audit-log); absent when no log was given. */
  deniedRequests?(): Promise<Fetched<DeniedRequest[]>>;
  /** The tokens the pod presented, from the same audit log; absent when no log was given. */
  tokenUses?(): Promise<Fetched<TokenUses>>;
  /**
   * The current token of each other container of the pod that mounts one at its token directory;
   * absent where it cannot be read (--self, a scan) or no audit log was given.
   */
  podTokens?(): Promise<Fetched<ContainerToken[]>>;
}

/** A token file other than the ServiceAccount one, as the container sees it. */
export interface TokenFile {
  path: string;
  /** null when the file does not exist; undefined when stat could not tell. */
  stat: FileStat | null | undefined;
  /** The text, when readable. Never printed. */
  raw?: string;
}

export interface CheckOptions {
  /** `--can VERB RESOURCE` pairs: rights the app needs (rbac fails without them). */
  can: AccessAttributes[];
  /** Which mode gathered the data, for wording (`scan` skips exec-level checks). */
  mode: 'pod' | 'self' | 'scan';
  /** `diagnose --path FILE`: token files to judge besides those found by their mount or env variable. */
  paths?: string[];
}

export interface CheckContext {
  now: Date;
  pod: V1Pod;
  /** The container under diagnosis (-c, else the default-container annotation, else the first). */
  container: V1Container;
  /**
   * Set when the pod object could not be read (diagnose --self without `get pods`): `pod` is then
   * a sketch built from the token and files, and spec-level checks skip with this reason.
   */
  podUnknown?: Unavailable;
  options: CheckOptions;
  data: DiagnosisSource;
}
