/**
 * The emulator's PKI, generated fresh at every start: a CA, the serving certificate for
 * 127.0.0.1/localhost, and the admin client certificate (CN kubernetes-admin, O system:masters —
 * the identity kubeadm gives its admin.conf).
 */
import { issueCertificate, KeyAndCert } from './x509';

export interface Pki {
  ca: KeyAndCert;
  server: KeyAndCert;
  admin: KeyAndCert;
}

export const ADMIN_USER = 'kubernetes-admin';
export const ADMIN_GROUP = 'system:masters';

export function createPki(): Pki {
  // Certificates use the real time: TLS peers check them against their own clock, not the emulated one.
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(Date.now() + 10 * 365 * 86400_000);
  const ca = issueCertificate({ commonName: 'kubernetes', isCA: true, notBefore, notAfter });
  const issuer = { key: ca.key, commonName: 'kubernetes' };
  const server = issueCertificate(
    {
      commonName: 'kube-apiserver',
      usages: ['server'],
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      ipAddresses: ['127.0.0.1', '::1'],
      notBefore,
      notAfter,
    },
    issuer,
  );
  const admin = issueCertificate(
    { commonName: ADMIN_USER, organizations: [ADMIN_GROUP], usages: ['client'], notBefore, notAfter },
    issuer,
  );
  return { ca, server, admin };
}
