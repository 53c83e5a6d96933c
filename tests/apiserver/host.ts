/**
 * The contract between the emulator platform (HTTPS server, store, REST, RBAC, controllers —
 * engineer A) and the pure token + kubelet modules (tokens/, kubelet/, protobuf/ — engineer B).
 *
 * The platform implements `EmulatorHost`; the token and kubelet modules only ever see the cluster
 * through it, so they stay pure and are tested with an in-memory host (tokens/memory-host.ts).
 *
 * Everything is SYNCHRONOUS: the store is in memory, and a synchronous host keeps the validation
 * order of kube-apiserver obvious (no interleaving between the SA lookup and the pod lookup).
 *
 * Objects are the JSON wire form (timestamps are RFC 3339 strings, Secret data is base64), i.e.
 * exactly what the REST layer stores and serves. Only the fields the token/kubelet code reads are
 * typed; the index signature lets the platform pass its full objects.
 */

/** metadata as stored (wire form). */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  /** Set while a finalizer holds the object; tokens bound to it are refused after 60 s. */
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ServiceAccount extends KubeObject {
  /** "auto-generated" legacy token Secrets are the ones listed here (KEP-2799). */
  secrets?: Array<{ name?: string }>;
  automountServiceAccountToken?: boolean;
}

export interface Secret extends KubeObject {
  type?: string;
  /** base64 values, as on the wire. */
  data?: Record<string, string>;
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

/** The projected volume sources the kubelet materialises. */
export interface ProjectedSource {
  serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string };
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { name: string; items?: KeyToPath[]; optional?: boolean };
  downwardAPI?: { items?: Array<{ path: string; fieldRef?: { apiVersion?: string; fieldPath: string }; mode?: number }> };
}

export interface Volume {
  name: string;
  projected?: { sources?: ProjectedSource[]; defaultMode?: number };
  secret?: { secretName?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  configMap?: { name?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  [field: string]: unknown;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}

export interface Container {
  name: string;
  image?: string;
  volumeMounts?: VolumeMount[];
  securityContext?: { runAsUser?: number; runAsGroup?: number };
  [field: string]: unknown;
}

export interface Pod extends KubeObject {
  spec: {
    serviceAccountName?: string;
    nodeName?: string;
    automountServiceAccountToken?: boolean;
    containers: Container[];
    initContainers?: Container[];
    volumes?: Volume[];
    securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number };
    [field: string]: unknown;
  };
  status?: {
    /** Only `Running` pods have a file system to exec into and tokens to rotate. */
    phase?: string;
    startTime?: string;
    containerStatuses?: Array<{ name: string; ready?: boolean; state?: { running?: { startedAt?: string }; [s: string]: unknown } }>;
    [field: string]: unknown;
  };
}

export interface Node extends KubeObject {
  status?: {
    /** A node whose Ready condition is not "True" stops rotating tokens. */
    conditions?: Array<{ type: string; status: string; [field: string]: unknown }>;
    [field: string]: unknown;
  };
}

/**
 * An Event as the kubelet records it (core/v1 fields). The platform names it
 * (`<involvedObject.name>.<hex>`), gives it uid/resourceVersion and de-duplicates repeats into
 * `count`/`lastTimestamp` as the real event recorder does.
 */
export interface EventInput {
  namespace: string;
  involvedObject: { kind: string; apiVersion?: string; namespace?: string; name: string; uid?: string; fieldPath?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  source: { component: string; host?: string };
  /** RFC 3339, from host.now(). */
  timestamp: string;
}

/** API server flags that shape token issuing and validation. */
export interface HostOptions {
  /** --service-account-issuer (repeatable): the first signs, all are accepted. */
  issuers: string[];
  /** --api-audiences; when empty or absent the platform passes [issuers[0]] (upstream default). */
  apiAudiences: string[];
  /** --service-account-extend-token-expiration (upstream default true). */
  extendTokenExpiration: boolean;
  /** --service-account-max-token-expiration in seconds; undefined = not set. */
  maxTokenExpirationSeconds?: number;
  /** The emulator's own https URL (jwks_uri falls back to it; kubelet's ca/namespace files). */
  serverUrl: string;
}

/**
 * A signing key set (implemented by tokens/keys.ts `createKeySet()`; the platform creates one per
 * emulator and exposes it here). Only the first key signs; all public keys verify.
 */
export interface KeySet {
  /** Sign a JWT with the active key (RS256, header kid). */
  sign(claims: Record<string, unknown>): string;
  /** Public keys by kid, for verification. */
  publicKeys(): Array<{ kid: string; key: import('node:crypto').KeyObject; alg: string }>;
  /** The JWKS document served at /openid/v1/jwks. */
  jwks(): { keys: Array<Record<string, unknown>> };
}

export interface EmulatorHost {
  getServiceAccount(namespace: string, name: string): ServiceAccount | undefined;
  getPod(namespace: string, name: string): Pod | undefined;
  getSecret(namespace: string, name: string): Secret | undefined;
  getConfigMap(namespace: string, name: string): ConfigMap | undefined;
  getNode(name: string): Node | undefined;
  /** All pods of all namespaces (the kubelet walks them). */
  listPods(): Pod[];
  /** The pods of one namespace (optional: hosts without it are searched through listPods). */
  listPodsIn?(namespace: string): Pod[];
  /**
   * Merge-patch the Secret's labels as the API server itself does (no RBAC, bumps
   * resourceVersion): `null` removes a label. Used for `kubernetes.io/legacy-token-last-used`.
   */
  updateSecretLabels(namespace: string, name: string, labels: Record<string, string | null>): void;
  recordEvent(event: EventInput): void;
  /**
   * The kubelet set up a waiting pod's volumes at `at`: report its containers running (status and
   * Pulled/Created/Started events). Optional: hosts without it leave such pods waiting.
   */
  startPod?(namespace: string, name: string, at: Date): void;
  /** The emulated clock. */
  now(): Date;
  options: HostOptions;
  keys: KeySet;
}
