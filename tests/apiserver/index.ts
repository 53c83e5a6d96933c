/**
 * The Kubernetes API server emulator, programmatic API:
 *
 *   const k = await start({ scenarios: 'demo' });
 *   // k.url, k.kubeconfigPath, k.clock.advance(3600), k.requests, k.adminRequest('GET', '/api/v1/pods')
 *   await k.stop();
 *
 * See README.md in this folder for the options, control endpoints and what is emulated.
 */
import { generateKeyPair, KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerAuthorizationReviews } from './auth/reviews';
import { bootstrapCluster } from './bootstrap';
import { Cluster, RequestLog } from './cluster';
import { createClock } from './control/clock';
import { advanceClock } from './control/endpoints';
import { namespaceController, ensureNamespaceDefaults } from './controllers/namespace';
import { podEvents, podGC } from './controllers/pods';
import { syncAllTokenSecrets, tokenController } from './controllers/tokens';
import { LegacyTokenCleaner, trackingController } from './controllers/legacy-tokens';
import type { EmulatorHost } from './host';
import { createExecUpgrade } from './exec/websocket';
import { createApiServer } from './http/server';
import { createProviderAuth } from './auth/providers';
import { openshiftServiceAccountSecrets } from './admission/webhooks/openshift-service-account-secrets';
import { createTokenRequest } from './tokens/token-request';
import { profileKubeconfig } from './kubeconfig';
import { loadObjects, readObjectFiles } from './objects';
import { resolveOptions, StartOptions } from './options';
import { createPki } from './pki/ca';
import { decodeKubernetesProtobuf, ProtobufDecodeError } from './protobuf';
import { StatusError } from './errors';
import { appTraffic } from './audit/traffic';
import { seedScenarios } from './scenarios';
import type { Store } from './store/store';
import type { KubeObject } from './store/types';
import { createKeySet } from './tokens/keys';
import type { Kubelet } from './kubelet/kubelet';
import { createHost, wireKubelet, wireTokens } from './wiring';

/**
 * The stand-in credential plugins (tests/apiserver/exec-plugins/), first on execEnv.PATH. Found
 * from this module's folder under Jest, else upwards from the running script (scripts/cluster.mjs
 * runs a bundle in .tmp/) or the working directory.
 */
export const EXEC_PLUGINS_DIR = findExecPlugins();

function findExecPlugins(): string {
  const starts = [typeof __dirname === 'string' ? path.resolve(__dirname, '..', '..') : undefined, process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : undefined, process.cwd()];
  for (const start of starts) {
    for (let dir = start; dir; dir = path.dirname(dir) === dir ? undefined : path.dirname(dir)) {
      const candidate = path.join(dir, 'tests', 'apiserver', 'exec-plugins');
      if (existsSync(path.join(candidate, 'aws'))) return candidate;
    }
  }
  return path.resolve('tests', 'apiserver', 'exec-plugins');
}

export type { StartOptions } from './options';
export type { Profile, ProfileName } from './profiles';
export type { RequestLog } from './cluster';
export type { KubeObject } from './store/types';

export interface AdminResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body is JSON, else the text. */
  body: any;
}

export interface Emulator {
  url: string;
  /** The provider profile the cluster imitates (StartOptions.profile; default kubeadm). */
  profile: import('./profiles').Profile;
  kubeconfigPath: string;
  /** The kubeconfig's YAML text: the profile's shape, for StartOptions.identity (default admin). */
  kubeconfig: string;
  /**
   * The environment to run kubectl (and the plugin) with against this kubeconfig: PATH with the
   * stand-in credential plugins first (exec-plugins/: `aws`, `gke-gcloud-auth-plugin`,
   * `kubelogin`, named like the real commands the kubeconfig calls) and the variables they read
   * their credentials from, as the real tools would (AWS_ACCESS_KEY_ID, …). Only the variables to
   * add: merge it over process.env. Empty for kubeconfigs without an exec plugin.
   */
  execEnv: Record<string, string>;
  /** The same as a shell file (`export NAME='value'` lines) beside the kubeconfig; undefined when execEnv is empty. */
  execEnvFile?: string;
  /** The CA certificate (PEM) the server's certificate chains to. */
  caPem: string;
  clock: { now(): Date; advance(seconds: number): void };
  /** Every request the server received, in order. */
  requests: RequestLog[];
  store: Store;
  /** The platform's view of the cluster for the token/kubelet modules. */
  host: EmulatorHost;
  cluster: Cluster;
  /** The emulated kubelets (pod file systems, token rotation, the app's token reads). */
  kubelet: Kubelet;
  /** A request as the admin (mTLS), for tests; bodies are JSON unless a Buffer/string is given. */
  adminRequest(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<AdminResponse>;
  /** A request with a bearer token (no client certificate), or anonymous when no token is given. */
  request(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<AdminResponse>;
  stop(): Promise<void>;
}

/**
 * The RSA signing key: generated off the main thread (it can take seconds on a loaded machine)
 * while the cluster bootstraps, once per process — every emulator in a test process shares it.
 */
let signingKey: Promise<KeyObject> | undefined;
function rsaSigningKey(): Promise<KeyObject> {
  signingKey ??= new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, (err, _pub, priv) => (err ? reject(err) : resolve(priv))),
  );
  return signingKey;
}

export async function start(opts: StartOptions = {}): Promise<Emulator> {
  const options = resolveOptions(opts);
  const keyPromise = rsaSigningKey();
  const clock = createClock(options.now);
  const pki = createPki();
  const cluster = new Cluster(options, clock, pki);
  registerAuthorizationReviews(cluster);

  cluster.store.subscribe((e) => {
    namespaceController(cluster, e);
    trackingController(cluster, e);
    podGC(cluster, e);
    tokenController(cluster, e);
    podEvents(cluster, e);
  });
  bootstrapCluster(cluster);

  if (options.objects.length) {
    const files = options.objects.filter((o): o is string => typeof o === 'string');
    const inline = options.objects.filter((o): o is KubeObject => typeof o !== 'string').map((o) => structuredClone(o));
    loadObjects(cluster, [...readObjectFiles(files), ...inline]);
    for (const ns of cluster.store.list(cluster.type('', 'namespaces'), undefined).items) ensureNamespaceDefaults(cluster, ns.metadata.name);
  }

  const keys = createKeySet({ privateKey: await keyPromise });
  const host = createHost(cluster, keys);
  wireTokens(cluster, host);
  // The provider's own credentials (EKS IAM tokens, Google and Entra ID access tokens, OpenShift
  // OAuth tokens) are authenticated before ServiceAccount tokens; they never look alike.
  const providerAuth = createProviderAuth(options.profile, pki);
  if (options.profile.webhooks.includes('openshift-legacy-secrets')) {
    const deps = {
      boundToken: (ns: string, sa: string, secret: KubeObject) => {
        const r = createTokenRequest(host, ns, sa, { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: secret.metadata.name, uid: secret.metadata.uid } } });
        return r.ok ? r.tokenRequest.status.token : undefined;
      },
    };
    cluster.store.subscribe((e) => openshiftServiceAccountSecrets(cluster, e, deps));
    // The ServiceAccounts bootstrap made before the token modules were wired.
    for (const sa of [...cluster.store.list(cluster.type('', 'serviceaccounts'), undefined).items]) {
      openshiftServiceAccountSecrets(cluster, { type: 'ADDED', group: '', resource: 'serviceaccounts', object: sa }, deps);
    }
  }
  const serviceAccountAuth = cluster.authenticateBearer!;
  cluster.authenticateBearer = (token) => providerAuth.authenticate(token) ?? serviceAccountAuth(token);
  // TokenReview runs the same authenticator chain. The provider authenticators are audience-agnostic
  // (authenticator.WrapAudienceAgnosticToken): they answer only for the API audiences, and report them.
  const reviewServiceAccountToken = cluster.handlers.get('authentication.k8s.io/tokenreviews')!;
  cluster.handlers.set('authentication.k8s.io/tokenreviews', (ctx) => {
    const token: string = ctx.body?.spec?.token ?? '';
    const result = token ? providerAuth.authenticate(token) : undefined;
    if (!result) return reviewServiceAccountToken(ctx);
    const asked: string[] = ctx.body?.spec?.audiences?.length ? ctx.body.spec.audiences : [];
    const audiences = asked.length ? asked.filter((a) => options.apiAudiences.includes(a)) : [...options.apiAudiences];
    const status =
      result.ok && audiences.length
        ? { authenticated: true, user: result.user, audiences }
        : { user: {}, error: result.ok ? 'invalid bearer token' : `[invalid bearer token, ${result.reason}]` };
    return { status: 201, body: { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { token, ...(asked.length ? { audiences: asked } : {}) }, status } };
  });
  // The token controller's fill is part of the bulk load: the kubelet (which sets up pending pods
  // before any Secret write) is wired after it, so pods see the filled Secrets.
  if (options.objects.length) syncAllTokenSecrets(cluster);
  const kubelet = wireKubelet(cluster, host);
  const legacyTokenCleaner = new LegacyTokenCleaner(cluster);
  cluster.onClockAdvance.push(() => legacyTokenCleaner.evaluate());

  const server = createApiServer(cluster, {
    upgrade: createExecUpgrade(() => cluster.execRunner),
    protobuf: (body) => {
      try {
        return decodeKubernetesProtobuf(body);
      } catch (e) {
        if (e instanceof ProtobufDecodeError) throw new StatusError(400, 'BadRequest', `the object provided is unrecognized: ${e.message}`);
        throw e;
      }
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  cluster.url = `https://127.0.0.1:${port}`;
  if (options.scenarios.length) {
    seedScenarios(cluster, options.scenarios);
    // The scenario's apps send their requests asynchronously (audit/traffic.ts): whoever reads the
    // audit log right after start, as `diagnose --audit-log` does, must find them there.
    await appTraffic(cluster)?.idle();
    await new Promise((r) => setImmediate(r));
  }

  let tempDir: string | undefined;
  let kubeconfigPath = options.kubeconfigPath;
  if (!kubeconfigPath) {
    tempDir = mkdtempSync(path.join(tmpdir(), 'apiserver-emulator-'));
    kubeconfigPath = path.join(tempDir, 'kubeconfig');
  }
  kubeconfigPath = path.resolve(kubeconfigPath);
  // `--kubeconfig /tmp/k/config` on a fresh machine: make the folder, as kind and minikube do.
  mkdirSync(path.dirname(kubeconfigPath), { recursive: true });
  const credential = providerAuth.credential(options.identity, `${kubeconfigPath}.credentials`);
  const kubeconfig = profileKubeconfig(cluster.url, pki, options.profile, credential);
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  const credentialDir = `${kubeconfigPath}.credentials`;
  const writeCredentialFiles = (files: Record<string, string>) => {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(credentialDir, rel)), { recursive: true, mode: 0o700 });
      writeFileSync(path.join(credentialDir, rel), text, { mode: 0o600 });
    }
  };
  writeCredentialFiles(credential.files);
  const renewTimer = credential.renew ? setInterval(() => writeCredentialFiles(credential.renew!.files()), credential.renew.everyMs) : undefined;
  renewTimer?.unref();
  const execEnv: Record<string, string> =
    options.profile.kubeconfig.shape.kind === 'exec' ? { PATH: `${EXEC_PLUGINS_DIR}${path.delimiter}${process.env.PATH ?? ''}`, ...credential.env } : {};
  let execEnvFile: string | undefined;
  if (Object.keys(execEnv).length) {
    execEnvFile = `${kubeconfigPath}.env`;
    const q = (v: string) => `'${v.replaceAll("'", "'\\''")}'`;
    const lines = Object.entries({ ...execEnv, PATH: `${EXEC_PLUGINS_DIR}${path.delimiter}` }).map(([k, v]) => (k === 'PATH' ? `export PATH=${q(v)}"$PATH"` : `export ${k}=${q(v)}`));
    writeFileSync(execEnvFile, `# source me: the stand-in credential plugins of the ${options.profile.name} profile and their credentials\n${lines.join('\n')}\n`, { mode: 0o600 });
  }

  const send = (method: string, p: string, body: unknown, headers: Record<string, string>, asAdmin: boolean): Promise<AdminResponse> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body);
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          method,
          path: p,
          ca: pki.ca.certPem,
          ...(asAdmin ? { cert: pki.admin.certPem, key: pki.admin.keyPem } : {}),
          agent: false,
          // Content-Length always: Node does not chunk DELETE bodies.
          headers: { Accept: 'application/json', ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('error', reject);
          res.on('close', () => {
            if (!res.complete) reject(new Error('connection closed before the response was complete'));
          });
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });

  const adminRequest = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => send(method, p, body, headers, true);
  const request = (method: string, p: string, o: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    send(method, p, o.body, { ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}), ...(o.headers ?? {}) }, false);

  let stopped = false;
  return {
    url: cluster.url,
    profile: options.profile,
    kubeconfigPath,
    kubeconfig,
    execEnv,
    execEnvFile,
    caPem: pki.ca.certPem,
    clock: { now: () => clock.now(), advance: (s: number) => advanceClock(cluster, s) },
    requests: cluster.requests,
    store: cluster.store,
    host,
    cluster,
    kubelet,
    adminRequest,
    request,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (renewTimer) clearInterval(renewTimer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { destroySockets(): void }).destroySockets();
        server.closeAllConnections?.();
      });
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      else {
        rmSync(credentialDir, { recursive: true, force: true });
        if (execEnvFile) rmSync(execEnvFile, { force: true });
      }
    },
  };
}
