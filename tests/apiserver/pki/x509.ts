/**
 * X.509 certificates signed with node:crypto: the emulator's CA, its serving certificate and the
 * admin client certificate. ECDSA P-256 keys: generated in about a millisecond, accepted by Go
 * (kubectl) and by Node (client-node).
 */
import { createPublicKey, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import { bitString, boolean, explicit, implicit, integer, octetString, oid, sequence, set, time, utf8 } from './der';

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';

/** A key pair with its certificate, PEM-encoded as TLS options and kubeconfigs want them. */
export interface KeyAndCert {
  keyPem: string;
  certPem: string;
  key: KeyObject;
}

export interface CertRequest {
  commonName: string;
  organizations?: string[];
  isCA?: boolean;
  /** Extended key usages: server and/or client authentication. */
  usages?: Array<'server' | 'client'>;
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore: Date;
  notAfter: Date;
}

function name(commonName: string, organizations: string[] = []): Buffer {
  const rdns = organizations.map((o) => set(sequence(oid('2.5.4.10'), utf8(o))));
  rdns.push(set(sequence(oid('2.5.4.3'), utf8(commonName))));
  return sequence(...rdns);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

function ipBytes(ip: string): Buffer {
  if (ip.includes(':')) {
    // Only the loopback forms are needed here.
    const out = Buffer.alloc(16);
    if (ip === '::1') out[15] = 1;
    return out;
  }
  return Buffer.from(ip.split('.').map(Number));
}

function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Issues a certificate for a new key; self-signed when no issuer is given. */
export function issueCertificate(req: CertRequest, issuer?: { key: KeyObject; commonName: string; organizations?: string[] }): KeyAndCert {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const serial = randomBytes(16);
  serial[0] &= 0x7f;

  const keyUsageBits = req.isCA ? 0x04 /* keyCertSign */ | 0x80 /* digitalSignature */ : 0x80 | 0x20 /* keyEncipherment */;
  const exts = [
    extension('2.5.29.15', true, bitString(Buffer.from([keyUsageBits]))),
    extension('2.5.29.19', true, req.isCA ? sequence(boolean(true)) : sequence()),
  ];
  if (req.usages?.length) {
    const ekus = req.usages.map((u) => oid(u === 'server' ? '1.3.6.1.5.5.7.3.1' : '1.3.6.1.5.5.7.3.2'));
    exts.push(extension('2.5.29.37', false, sequence(...ekus)));
  }
  const san = [
    ...(req.dnsNames ?? []).map((d) => implicit(2, Buffer.from(d))),
    ...(req.ipAddresses ?? []).map((ip) => implicit(7, ipBytes(ip))),
  ];
  if (san.length) exts.push(extension('2.5.29.17', false, sequence(...san)));

  const algorithm = sequence(oid(ECDSA_SHA256));
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    algorithm,
    issuer ? name(issuer.commonName, issuer.organizations) : name(req.commonName, req.organizations),
    sequence(time(req.notBefore), time(req.notAfter)),
    name(req.commonName, req.organizations),
    spki,
    explicit(3, sequence(...exts)),
  );
  const signature = sign('sha256', tbs, { key: issuer?.key ?? privateKey, dsaEncoding: 'der' });
  const cert = sequence(tbs, algorithm, bitString(signature));
  return {
    key: privateKey,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem: toPem('CERTIFICATE', cert),
  };
}

/** The public key of a PEM certificate's key, for checks in tests. */
export function publicKeyOf(k: KeyAndCert): KeyObject {
  return createPublicKey(k.key);
}
