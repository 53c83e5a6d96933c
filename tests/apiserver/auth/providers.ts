/**
 * The credentials a provider's kubeconfig carries, and how the provider's API server authenticates
 * them: what each profile's users log in with (the identities of profiles/<name>.ts), minted per
 * emulator start, and the bearer authenticator that maps them back.
 *
 *  - EKS: `aws eks get-token` presigns an STS GetCallerIdentity URL with SigV4 and sends
 *    `k8s-aws-v1.` + base64url(URL) (kubernetes-sigs/aws-iam-authenticator pkg/token/token.go
 *    GetWithSTS); the authenticator (same file, Verify) checks the prefix, the size (4 KiB), the
 *    https scheme, the STS host, the parameter whitelist, Action=GetCallerIdentity and the 15-minute
 *    window after X-Amz-Date, then calls STS — here: checks the SigV4 signature itself, with the
 *    x-k8s-aws-id header set to the cluster name, against the secret of the access key. The
 *    identity is mapped as pkg/server/server.go does: the aws-auth mapUsers entry's username and
 *    groups, uid `aws-iam-authenticator:<account>:<userid>`, extra arn / canonicalArn / sessionName
 *    / accessKeyId.
 *  - GKE: gke-gcloud-auth-plugin hands kubectl the gcloud account's OAuth access token (`ya29.`…);
 *    GKE's authenticator maps it to the account's e-mail address.
 *  - AKS: kubelogin hands kubectl an Entra ID access token (a v1 JWT from
 *    https://sts.windows.net/<tenant>/ for the AKS server application 6dae42f8-…, see
 *    kubernetes-sigs/headlamp#3177); AKS maps it to the UPN and the groups' object IDs.
 *  - OpenShift: `oc login` stores an OAuth access token (`sha256~`…) in the kubeconfig.
 *  - kubeadm, k3s: client certificates from the cluster CA (CN = user, O = groups).
 *
 * Exec credentials are judged on the wall clock, not the emulated one: they are minted outside the
 * cluster (the stand-in plugins, STS, Google, Entra ID all run on real time).
 */
import { createHash, createHmac, createSign, createVerify, randomBytes } from 'node:crypto';
import { rsaKeyPair } from '../tokens/keys';
import { issueCertificate } from '../pki/x509';
import type { Pki } from '../pki/ca';
import type { BearerResult } from '../cluster';
import type { IdentityName, Profile, ProfileIdentity } from '../profiles';
import { EKS_ACCOUNT } from '../profiles/eks';
import { AKS_SERVER_APP_ID } from '../profiles/aks';

/** What one identity's kubeconfig needs, besides the kubeconfig itself. */
export interface ProviderCredential {
  /** Environment the exec plugin reads, as the real tool would (AWS_ACCESS_KEY_ID, …). */
  env: Record<string, string>;
  /** Files the real tool's login would have left (path relative to the credentials folder → text). */
  files: Record<string, string>;
  /** A bearer token in the kubeconfig (OpenShift). */
  token?: string;
  /** A client certificate in the kubeconfig (kubeadm, k3s). */
  cert?: { certPem: string; keyPem: string };
  /** Files to write again every `everyMs` (short-lived tokens a logged-in tool would refresh). */
  renew?: { everyMs: number; files(): Record<string, string> };
}

export interface ProviderAuth {
  /** The credential of that identity; `dir` is the absolute credentials folder (env paths point into it). */
  credential(identity: IdentityName, dir: string): ProviderCredential;
  /** undefined: not a credential of this provider (the ServiceAccount authenticator is asked next). */
  authenticate(token: string): BearerResult | undefined;
}

const IDENTITIES: IdentityName[] = ['admin', 'viewer'];
const ok = (id: ProfileIdentity): BearerResult => ({ ok: true, user: { username: id.username, uid: id.uid, groups: [...id.groups], extra: id.extra && structuredClone(id.extra) } });
const refused = (reason: string): BearerResult => ({ ok: false, reason });

export function createProviderAuth(profile: Profile, pki: Pki): ProviderAuth {
  switch (profile.name) {
    case 'eks':
      return eksAuth(profile);
    case 'gke':
      return opaqueTokenAuth(profile, () => `ya29.${randomBytes(96).toString('base64url')}`, (token, dir) => ({
        // gcloud reads a ready access token from CLOUDSDK_AUTH_ACCESS_TOKEN_FILE.
        env: { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: `${dir}/gcloud-access-token` },
        files: { 'gcloud-access-token': `${token}\n` },
      }));
    case 'aks':
      return aksAuth(profile);
    case 'openshift':
      // OpenShift 4.6+ OAuth access tokens: `sha256~` + 43 base64url characters.
      return opaqueTokenAuth(profile, () => `sha256~${randomBytes(32).toString('base64url')}`, (token) => ({ env: {}, files: {}, token }));
    default:
      return certificateAuth(profile, pki);
  }
}

/** kubeadm, k3s: a certificate per identity from the cluster CA; the TLS layer authenticates it. */
function certificateAuth(profile: Profile, pki: Pki): ProviderAuth {
  const certs = new Map<IdentityName, { certPem: string; keyPem: string }>();
  return {
    credential(identity) {
      let cert = certs.get(identity);
      if (!cert) {
        const id = profile.kubeconfig.identities[identity];
        const groups = id.groups.filter((g) => g !== 'system:authenticated');
        // kubeadm's admin.conf certificate is the emulator's own admin certificate.
        if (id.username === 'kubernetes-admin') cert = { certPem: pki.admin.certPem, keyPem: pki.admin.keyPem };
        else {
          const notBefore = new Date(Date.now() - 3600_000);
          const c = issueCertificate({ commonName: id.username, organizations: groups, usages: ['client'], notBefore, notAfter: new Date(Date.now() + 365 * 86400_000) }, { key: pki.ca.key, commonName: 'kubernetes' });
          cert = { certPem: c.certPem, keyPem: c.keyPem };
        }
        certs.set(identity, cert);
      }
      return { env: {}, files: {}, cert };
    },
    authenticate: () => undefined,
  };
}

/** GKE, OpenShift: an opaque token per identity, looked up as the provider's token service would. */
function opaqueTokenAuth(profile: Profile, mint: () => string, shape: (token: string, dir: string) => ProviderCredential): ProviderAuth {
  const byIdentity = new Map<IdentityName, string>();
  const byToken = new Map<string, ProfileIdentity>();
  for (const identity of IDENTITIES) {
    const token = mint();
    byIdentity.set(identity, token);
    byToken.set(token, profile.kubeconfig.identities[identity]);
  }
  return {
    credential: (identity, dir) => shape(byIdentity.get(identity)!, dir),
    authenticate(token) {
      const prefix = profile.name === 'gke' ? 'ya29.' : 'sha256~';
      if (!token.startsWith(prefix)) return undefined;
      const id = byToken.get(token);
      return id ? ok(id) : refused(`${profile.name}: the access token is not known to the provider (revoked or from another account)`);
    },
  };
}

// ---- EKS ------------------------------------------------------------------------------------

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** pkg/token/token.go: presignedURLExpiration, maxTokenLenBytes, clusterIDHeader, parameterWhitelist. */
const PRESIGNED_URL_EXPIRATION_MS = 15 * 60_000;
const MAX_TOKEN_LEN = 4096;
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
const PARAMETER_WHITELIST = ['action', 'version', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-security-token', 'x-amz-signature', 'x-amz-signedheaders'];

/** SigV4 for a presigned GET (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html). */
export function sigV4PresignSignature(url: URL, headers: Record<string, string>, secret: string): string {
  const q = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature').map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const);
  q.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const signed = (url.searchParams.get('X-Amz-SignedHeaders') ?? 'host').split(';');
  const all: Record<string, string> = { host: url.host, ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) };
  const canonicalHeaders = signed.map((h) => `${h}:${(all[h] ?? '').trim()}\n`).join('');
  const canonicalRequest = ['GET', url.pathname || '/', q.map(([k, v]) => `${k}=${v}`).join('&'), canonicalHeaders, signed.join(';'), createHash('sha256').update('').digest('hex')].join('\n');
  const credential = url.searchParams.get('X-Amz-Credential') ?? '';
  const [, date, region, service] = credential.split('/');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', url.searchParams.get('X-Amz-Date') ?? '', scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date ?? '').digest();
  for (const part of [region ?? '', service ?? '', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** X-Amz-Date (`20060102T150405Z`) as a Date. */
function amzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

interface AwsUser {
  identity: IdentityName;
  accessKeyId: string;
  secret: string;
  arn: string;
}

function eksAuth(profile: Profile): ProviderAuth {
  const cluster = profile.cloud.cluster!;
  const region = profile.cloud.region!;
  const users = new Map<string, AwsUser>();
  const byIdentity = new Map<IdentityName, AwsUser>();
  for (const identity of IDENTITIES) {
    const id = profile.kubeconfig.identities[identity];
    // IAM access key ids: AKIA + 16 upper-case base32 characters.
    const accessKeyId = `AKIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`;
    const u: AwsUser = { identity, accessKeyId, secret: randomBytes(30).toString('base64').slice(0, 40), arn: `arn:aws:iam::${EKS_ACCOUNT}:user/${id.username}` };
    users.set(accessKeyId, u);
    byIdentity.set(identity, u);
  }
  const hosts = new Set(['sts.amazonaws.com', `sts.${region}.amazonaws.com`]);
  const format = (m: string) => refused(`input token was not properly formatted: ${m}`);
  return {
    credential(identity) {
      const u = byIdentity.get(identity)!;
      // The AWS CLI's default credential chain reads these first.
      return { env: { AWS_ACCESS_KEY_ID: u.accessKeyId, AWS_SECRET_ACCESS_KEY: u.secret }, files: {} };
    },
    authenticate(token) {
      if (!token.startsWith(EKS_TOKEN_PREFIX)) return undefined;
      if (token.length > MAX_TOKEN_LEN) return format('token is too large');
      const b64 = token.slice(EKS_TOKEN_PREFIX.length);
      if (!/^[A-Za-z0-9_-]*$/.test(b64)) return format('illegal base64 data');
      let url: URL;
      try {
        url = new URL(Buffer.from(b64, 'base64url').toString('utf8'));
      } catch (e) {
        return format((e as Error).message);
      }
      if (url.protocol !== 'https:') return format(`unexpected scheme "${url.protocol.replace(':', '')}" in pre-signed URL`);
      if (!hosts.has(url.hostname)) return format(`unexpected hostname "${url.hostname}" in pre-signed URL`);
      for (const k of url.searchParams.keys()) if (!PARAMETER_WHITELIST.includes(k.toLowerCase())) return format(`non-whitelisted query parameter "${k}"`);
      if (url.searchParams.get('Action') !== 'GetCallerIdentity') return format('unexpected action parameter in pre-signed URL');
      const date = amzDate(url.searchParams.get('X-Amz-Date') ?? '');
      if (!date) return format('error parsing X-Amz-Date parameter');
      if (Date.now() > date.getTime() + PRESIGNED_URL_EXPIRATION_MS) return format('X-Amz-Date parameter is expired (15 minute expiration)');
      const akid = (url.searchParams.get('X-Amz-Credential') ?? '').split('/')[0] ?? '';
      const u = users.get(akid);
      // What STS answers for an unknown key or a bad signature (pkg/token/token.go wraps it as STSError).
      if (!u) return refused('sts getCallerIdentity failed: error from AWS (expected 200, got 403). Body: InvalidClientTokenId');
      const expected = sigV4PresignSignature(url, { [CLUSTER_ID_HEADER]: cluster }, u.secret);
      if (expected !== url.searchParams.get('X-Amz-Signature')) return refused('sts getCallerIdentity failed: error from AWS (expected 200, got 403). Body: SignatureDoesNotMatch');
      const id = profile.kubeconfig.identities[u.identity];
      return ok({ ...id, extra: { accessKeyId: [u.accessKeyId], arn: [u.arn], canonicalArn: [u.arn], sessionName: [''] } });
    },
  };
}

/** The aws-auth ConfigMap that maps the emulated IAM users (kube-system/aws-auth, mapUsers). */
export function awsAuthMapUsers(profile: Profile): string {
  return IDENTITIES.map((identity) => {
    const id = profile.kubeconfig.identities[identity];
    const groups = id.groups.filter((g) => g !== 'system:authenticated');
    return `- userarn: arn:aws:iam::${EKS_ACCOUNT}:user/${id.username}\n  username: ${id.username}\n  groups:\n${groups.map((g) => `  - ${g}`).join('\n')}\n`;
  }).join('');
}

// ---- AKS ------------------------------------------------------------------------------------

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

function aksAuth(profile: Profile): ProviderAuth {
  const tenant = profile.cloud.tenant!;
  const issuer = `https://sts.windows.net/${tenant}/`;
  const { privateKey, publicKey } = rsaKeyPair('entra-id');
  const kid = createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
  const oids = new Map<IdentityName, string>();
  for (const identity of IDENTITIES) oids.set(identity, [8, 4, 4, 4, 12].map((n) => randomBytes(n).toString('hex').slice(0, n)).join('-'));
  const mint = (identity: IdentityName): { token: string; expiresOn: Date } => {
    const id = profile.kubeconfig.identities[identity];
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: AKS_SERVER_APP_ID,
      iss: issuer,
      iat: now,
      nbf: now,
      exp: now + 3600,
      groups: id.groups.filter((g) => g !== 'system:authenticated'),
      oid: oids.get(identity),
      tid: tenant,
      upn: id.username,
      ver: '1.0',
    };
    const input = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid }))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('sha256').update(input).sign(privateKey);
    return { token: `${input}.${b64url(sig)}`, expiresOn: new Date((now + 3600) * 1000) };
  };
  return {
    credential(identity, dir) {
      const files = () => {
        const { token, expiresOn } = mint(identity);
        return { 'azure/satoken-emulator-access-tokens.json': `${JSON.stringify([{ resource: AKS_SERVER_APP_ID, tenant, accessToken: token, expiresOn: expiresOn.toISOString() }], null, 2)}\n` };
      };
      // Where `az login` leaves its tokens: AZURE_CONFIG_DIR (kubelogin's azurecli mode asks az).
      // Entra ID access tokens live an hour; the Azure CLI refreshes them: renewed every 30 minutes.
      return { env: { AZURE_CONFIG_DIR: `${dir}/azure` }, files: files(), renew: { everyMs: 30 * 60_000, files } };
    },
    authenticate(token) {
      const parts = token.split('.');
      if (parts.length !== 3) return undefined;
      let claims: Record<string, unknown>;
      try {
        claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      if (claims.iss !== issuer) return undefined;
      if (!createVerify('sha256').update(`${parts[0]}.${parts[1]}`).verify(publicKey, Buffer.from(parts[2]!, 'base64url'))) return refused('oidc: failed to verify signature');
      if (claims.aud !== AKS_SERVER_APP_ID) return refused(`oidc: expected audience "${AKS_SERVER_APP_ID}" got ["${String(claims.aud)}"]`);
      if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return refused('oidc: token is expired');
      const identity = IDENTITIES.find((i) => oids.get(i) === claims.oid);
      return identity ? ok(profile.kubeconfig.identities[identity]) : refused('the Entra ID object is not known to the cluster');
    },
  };
}
