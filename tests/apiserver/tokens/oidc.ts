/**
 * ServiceAccount issuer discovery (pkg/serviceaccount/openidmetadata.go):
 * GET /.well-known/openid-configuration and GET /openid/v1/jwks.
 * Both are served with `Cache-Control: public, max-age=3600`; the JWKS as application/jwk-set+json.
 */
import type { EmulatorHost } from '../host';

export const OPENID_CONFIG_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';
export const OIDC_CACHE_CONTROL = 'public, max-age=3600';
export const JWKS_CONTENT_TYPE = 'application/jwk-set+json';

export interface OpenIdConfiguration {
  issuer: string;
  jwks_uri: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
}

/**
 * jwks_uri: --service-account-jwks-uri when given; else the issuer URL with its path replaced by
 * /openid/v1/jwks (upstream sets u.Path, so `https://x/foo` → `https://x/openid/v1/jwks`).
 * Upstream requires an https issuer URL for that; for a non-URL issuer (e.g. the legacy-looking
 * `kubernetes/serviceaccount`) kube-apiserver refuses to start without --service-account-jwks-uri —
 * the emulator falls back to its own server URL instead.
 */
export function openIdConfiguration(host: EmulatorHost, jwksUri?: string): OpenIdConfiguration {
  const issuer = host.options.issuers[0]!;
  let uri = jwksUri;
  if (!uri) {
    let base: URL;
    try {
      base = new URL(issuer);
      if (base.protocol !== 'https:') base = new URL(host.options.serverUrl);
    } catch {
      base = new URL(host.options.serverUrl);
    }
    base.pathname = JWKS_PATH;
    base.search = '';
    base.hash = '';
    uri = base.toString();
  }
  return {
    issuer,
    jwks_uri: uri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}

export function jwksDocument(host: EmulatorHost): { keys: Array<Record<string, unknown>> } {
  return host.keys.jwks();
}
