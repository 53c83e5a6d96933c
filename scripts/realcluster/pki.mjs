// Certificates of the real test cluster, made with the openssl CLI as upstream's
// hack/local-up-cluster.sh does (k/k hack/lib/util.sh): one CA signs every
// serving and client certificate; an RSA key pair signs ServiceAccount tokens.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Writes ca, apiserver (serving), apiserver-kubelet-client, admin, kcm, scheduler, kubelet
 * (client + serving) and sa key pairs into `dir`; returns their paths.
 * `nodeName` names the kubelet's identity, system:node:<nodeName> in group system:nodes, so the
 * Node authorizer and NodeRestriction apply to it (k/k plugin/pkg/auth/authorizer/node).
 */
export function makePki(dir, nodeName) {
  const p = (n) => path.join(dir, n);
  openssl(['genrsa', '-out', 'ca.key', '2048'], dir);
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-days', '2', '-subj', '/CN=kubectl-satoken-realcluster-ca', '-out', 'ca.crt'], dir);
  let serial = 1;
  const issue = (name, subj, ext) => issueCertificate(dir, name, subj, ext, ++serial);
  // The apiserver's names: the in-cluster Service names and the first Service IP, as kubeadm's
  // certs phase lists them (k/k cmd/kubeadm/app/util/pkiutil GetAPIServerAltNames).
  issue('apiserver', '/CN=kube-apiserver', server('DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:10.0.0.1'));
  issue('apiserver-kubelet-client', '/CN=kube-apiserver-kubelet-client', client);
  issue('admin', '/CN=kubernetes-admin/O=system:masters', client);
  issue('kcm', '/CN=system:kube-controller-manager', client);
  issue('scheduler', '/CN=system:kube-scheduler', client);
  issue('kubelet', `/CN=system:node:${nodeName}/O=system:nodes`, client);
  issue('kubelet-serving', `/CN=${nodeName}`, server(`IP:127.0.0.1,DNS:localhost`));
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  const files = {};
  for (const n of ['ca', 'apiserver', 'apiserver-kubelet-client', 'admin', 'kcm', 'scheduler', 'kubelet', 'kubelet-serving']) {
    files[n] = { crt: p(`${n}.crt`), key: p(`${n}.key`) };
  }
  files.ca.key = p('ca.key');
  files.sa = { key: p('sa.key'), pub: p('sa.pub') };
  return files;
}

export const CLIENT_EXT = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
export const serverExt = (sans) => `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`;
const client = CLIENT_EXT;
const server = serverExt;

/**
 * Issues `${name}.crt`/`${name}.key` in `dir` for `subj`, signed by the CA there (ca.crt, ca.key),
 * with the openssl extensions `ext` (CLIENT_EXT, serverExt(sans)). Returns their paths.
 */
export function issueCertificate(dir, name, subj, ext, serial) {
  openssl(['genrsa', '-out', `${name}.key`, '2048'], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`], dir);
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(serial),
    '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
  return { crt: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/** A kubeconfig (JSON is YAML) for `user` holding the certificate and key inline. */
export function kubeconfig(server, caFile, cert, { cluster = 'kubernetes', user = 'user', context = `${user}@${cluster}` } = {}) {
  const b64 = (f) => readFileSync(f).toString('base64');
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server, 'certificate-authority-data': b64(caFile) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(cert.crt), 'client-key-data': b64(cert.key) } }],
    contexts: [{ name: context, context: { cluster, user } }],
    'current-context': context,
  }, null, 2) + '\n';
}
