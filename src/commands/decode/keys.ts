/**
 * The issuer's public keys for --verify: from the cluster's issuer discovery
 * (/.well-known/openid-configuration → jwks_uri, KUBERNETES.md §6) or from a --jwks file.
 */
import { OperationError, UsageError } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { ApiError } from '../../kube/errors.js';
import { JwksFormatError } from '../../jwt/errors.js';
import { parseJwks } from '../../jwt/verify.js';
import type { Jwks } from '../../jwt/types.js';
import type { Deps } from '../types.js';
import type { KeySource } from './options.js';

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
/** Where kube-apiserver serves the keys, whatever jwks_uri advertises. */
export const JWKS_PATH = '/openid/v1/jwks';

export interface IssuerKeys {
  jwks: Jwks;
  /** The cluster's (first) issuer, from discovery; undefined for a --jwks file. */
  issuer?: string;
  /** Where the keys came from, for the verification reason. */
  from: string;
}

const DISCOVERY_HINT =
  'reading the issuer keys needs the ClusterRole system:service-account-issuer-discovery; or save them once and pass --jwks FILE (kubectl get --raw /openid/v1/jwks > jwks.json)';

export async function loadKeys(source: KeySource, deps: Deps): Promise<IssuerKeys> {
  if (source.kind === 'file') {
    let text: string;
    try {
      text = (await deps.io.readFile(source.path, { bytes: LIMITS.tokenFile, what: 'a JWKS file' })).toString('utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`cannot read --jwks ${source.path} (${code === 'ENOENT' ? 'no such file' : (e as Error).message})`);
    }
    try {
      return { jwks: parseJwks(JSON.parse(text)), from: `--jwks ${source.path}` };
    } catch (e) {
      const why = e instanceof JwksFormatError ? e.message : 'not valid JSON';
      throw new UsageError(`cannot use --jwks ${source.path} (${why})`, 'a JWKS is what kubectl get --raw /openid/v1/jwks prints');
    }
  }

  const conn = await deps.kube();
  deps.progress('reading the cluster\'s issuer keys…');
  try {
    const discovery = asObject(await getJson(() => conn.api.getRaw(DISCOVERY_PATH)));
    const issuer = typeof discovery?.issuer === 'string' ? discovery.issuer : undefined;
    const path = jwksPath(discovery?.jwks_uri);
    let raw: unknown;
    try {
      raw = await getJson(() => conn.api.getRaw(path));
    } catch (e) {
      // jwks_uri may point at an external host (--service-account-jwks-uri); the API server still serves its own.
      if (!(e instanceof ApiError && e.code === 404) || path === JWKS_PATH) throw e;
      raw = await getJson(() => conn.api.getRaw(JWKS_PATH));
    }
    try {
      return { jwks: parseJwks(raw), issuer, from: `the cluster (${conn.cluster.server})` };
    } catch (e) {
      throw new OperationError(`the cluster's issuer keys are not a JWKS (${(e as Error).message})`);
    }
  } catch (e) {
    if (e instanceof ApiError && (e.code === 401 || e.code === 403)) {
      throw new OperationError(`cannot read the cluster's issuer keys (${e.code === 403 ? 'forbidden' : 'unauthorized'}: ${e.serverMessage || e.reason})`, DISCOVERY_HINT, { cause: e });
    }
    if (e instanceof ApiError && e.code === 404) {
      throw new OperationError(`the cluster does not serve issuer discovery (${DISCOVERY_PATH}: 404)`, 'pass the keys with --jwks FILE (the public keys of --service-account-key-file, as a JWKS)', { cause: e });
    }
    throw e;
  } finally {
    deps.progress('');
  }
}

/** The path part of jwks_uri (the API server serves it under its own address). */
function jwksPath(uri: unknown): string {
  if (typeof uri !== 'string') return JWKS_PATH;
  try {
    const u = new URL(uri);
    return u.pathname + u.search;
  } catch {
    return uri.startsWith('/') ? uri : JWKS_PATH;
  }
}

/** getRaw may hand back parsed JSON, text or bytes, depending on the content type. */
async function getJson(get: () => Promise<unknown>): Promise<unknown> {
  const v = await get();
  if (typeof v === 'string' || v instanceof Uint8Array) {
    const text = typeof v === 'string' ? v : Buffer.from(v).toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      throw new OperationError('the cluster answered issuer discovery with something that is not JSON');
    }
  }
  return v;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
