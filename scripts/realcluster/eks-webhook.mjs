// The eks profile's identity webhook: the upstream EKS pod identity webhook's own packages
// (tests/realcluster/eks-webhook, built by build-eks-webhook.sh) served on loopback, registered with
// kube-apiserver as a MutatingWebhookConfiguration by URL, as EKS runs it for every cluster.
//
// Registration as upstream's deploy/mutatingwebhook.yaml (aws/amazon-eks-pod-identity-webhook
// v0.6.17): pods on CREATE, failurePolicy Ignore, admissionReviewVersions v1beta1 (its handler decodes
// admission/v1beta1), objectSelector skipping pods labelled eks.amazonaws.com/skip-pod-identity-webhook;
// a URL and the cluster CA's caBundle in place of its Service and cert-manager's injected CA. RBAC as
// its deploy/auth.yaml ClusterRole (get, list, watch serviceaccounts), bound to a client-certificate
// user instead of its in-cluster ServiceAccount.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT_EXT, issueCertificate, kubeconfig, serverExt } from './pki.mjs';
import { killAndWait } from './host.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEBHOOK_CONFIG = 'pod-identity-webhook';
const USER = 'eks-pod-identity-webhook';
// EKS runs the webhook with the cluster's region and regional STS endpoints on: a mutated pod shows
// AWS_STS_REGIONAL_ENDPOINTS=regional, AWS_DEFAULT_REGION and AWS_REGION (the flags
// --aws-default-region and --sts-regional-endpoint of its main.go). The region is the eks profile's
// issuer's (profiles.mjs).
const FLAGS = ['--aws-default-region=us-west-2', '--sts-regional-endpoint=true'];

/**
 * Builds (or reuses) the webhook binary and resolves to its path; progress on stderr. Not blocking:
 * a launcher that is already serving (a profile switch) keeps answering while it builds.
 */
export function buildEksWebhook() {
  return new Promise((resolve, reject) => {
    const c = spawn(path.join(here, 'build-eks-webhook.sh'), [], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.once('error', reject);
    c.once('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').pop()) : reject(new Error(`build-eks-webhook.sh exited ${code}`))));
  });
}

/**
 * The webhook of run directory `R` (pki/ holds the CA), for the API server at `url`. `request(method,
 * path, body)` calls the API server as the admin. `enable()` starts it (once) and registers it;
 * `disable()` unregisters it and stops it. `onExit(reason)` is told when it dies on its own.
 */
export function eksWebhook({ R, url, request, log, onExit }) {
  let child;
  let stopping = false;
  const pkiDir = path.join(R, 'pki');
  const ensure = async (p, body) => {
    const r = await request('POST', p, body);
    if (r.status !== 201 && r.status !== 409) throw new Error(`creating ${body.kind} ${body.metadata.name} answered ${r.status}: ${r.body.slice(0, 300)}`);
  };

  async function start(bin) {
    const serving = issueCertificate(pkiDir, 'eks-webhook-serving', '/CN=pod-identity-webhook', serverExt('IP:127.0.0.1'), Date.now());
    const client = issueCertificate(pkiDir, 'eks-webhook-client', `/CN=${USER}`, CLIENT_EXT, Date.now() + 1);
    const kc = path.join(R, 'eks-webhook.kubeconfig');
    writeFileSync(kc, kubeconfig(url, path.join(pkiDir, 'ca.crt'), client, { user: USER }), { mode: 0o600 });
    await ensure('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: USER },
      rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'watch', 'list'] }],
    });
    await ensure('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: USER },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: USER },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER }],
    });
    const logFile = path.join(R, 'logs', 'pod-identity-webhook.log');
    const fd = openSync(logFile, 'a');
    stopping = false;
    const c = spawn(bin, ['--listen=127.0.0.1:0', `--kubeconfig=${kc}`, `--tls-cert=${serving.crt}`, `--tls-key=${serving.key}`, ...FLAGS],
      { stdio: ['ignore', 'pipe', fd], detached: true });
    closeSync(fd);
    child = c;
    const addr = await new Promise((resolve, reject) => {
      let out = '';
      c.stdout.on('data', (d) => {
        out += d;
        const m = /^listening (127\.0\.0\.1:\d+)$/m.exec(out);
        if (m) resolve(m[1]);
      });
      c.once('exit', (code, sig) => reject(new Error(`the EKS pod identity webhook exited (${code ?? sig}) before listening (log: ${logFile})`)));
    });
    c.once('exit', (code, sig) => { if (!stopping) onExit?.(`the EKS pod identity webhook exited (${code ?? sig}); log: ${logFile}`); });
    const webhookConfig = {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: WEBHOOK_CONFIG },
      webhooks: [{
        name: 'pod-identity-webhook.amazonaws.com',
        failurePolicy: 'Ignore',
        clientConfig: { url: `https://${addr}/mutate`, caBundle: readFileSync(path.join(pkiDir, 'ca.crt')).toString('base64') },
        objectSelector: { matchExpressions: [{ key: 'eks.amazonaws.com/skip-pod-identity-webhook', operator: 'DoesNotExist', values: [] }] },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        sideEffects: 'None',
        admissionReviewVersions: ['v1beta1'],
      }],
    };
    // A configuration left from an earlier run names another port: replaced.
    await request('DELETE', `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${WEBHOOK_CONFIG}`);
    await ensure('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', webhookConfig);
    log(`EKS pod identity webhook on https://${addr}/mutate (MutatingWebhookConfiguration ${WEBHOOK_CONFIG})`);
  }

  return {
    /** Whether it runs now. */
    get running() { return child !== undefined && child.exitCode === null && child.signalCode === null; },
    async enable(bin) {
      if (this.running) return;
      await start(bin ?? (await buildEksWebhook()));
    },
    async disable() {
      const r = await request('DELETE', `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${WEBHOOK_CONFIG}`).catch(() => undefined);
      if (r && r.status !== 200 && r.status !== 404) log(`deleting MutatingWebhookConfiguration ${WEBHOOK_CONFIG} answered ${r.status}`);
      await this.stop();
      for (const kind of ['clusterrolebindings', 'clusterroles']) await request('DELETE', `/apis/rbac.authorization.k8s.io/v1/${kind}/${USER}`).catch(() => undefined);
    },
    /** Stops the process only (the cluster is going away with its configuration). */
    async stop() {
      stopping = true;
      if (child && child.exitCode === null && child.signalCode === null) await killAndWait([child.pid], 'SIGTERM', 15_000);
      child = undefined;
    },
  };
}
