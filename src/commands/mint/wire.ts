/**
 * The TokenRequest in its wire form, as `kubectl create token -o json` prints it. client-node hands
 * back model objects whose times are Date objects (JSON.stringify would add milliseconds); the API
 * server's form is RFC 3339 with whole seconds.
 */
import type { AuthenticationV1TokenRequest } from '@kubernetes/client-node';

export interface TokenRequestObject {
  kind: 'TokenRequest';
  apiVersion: string;
  metadata?: Record<string, unknown>;
  spec?: Record<string, unknown>;
  status?: { token?: string; expirationTimestamp?: string };
  [field: string]: unknown;
}

export function toWireObject(tr: AuthenticationV1TokenRequest): TokenRequestObject {
  const plain = wire(tr) as Record<string, unknown>;
  const { kind: _k, apiVersion, ...rest } = plain;
  // kind and apiVersion first, as the server writes them.
  return { kind: 'TokenRequest', apiVersion: typeof apiVersion === 'string' ? apiVersion : 'authentication.k8s.io/v1', ...rest } as TokenRequestObject;
}

function wire(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (Array.isArray(v)) return v.map(wire);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = wire(x);
    return out;
  }
  return v;
}
