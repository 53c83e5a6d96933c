/**
 * In-cluster configuration, as client-go's rest.InClusterConfig reads it: the pod's mounted
 * service account files plus KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT.
 */
import { readFileCappedSync } from '../bounded-read.js';
import { LIMITS } from '../limits.js';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { OperationError } from '../errors.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterConfig {
  server: string;
  caPem: string;
  /** The pod's token, read once: the process lives far shorter than the token. */
  token: string;
  namespace?: string;
}

/**
 * Undefined when not running in a pod (no env vars or no token file). A pod whose files are
 * incomplete is an error, not a silent fallback.
 */
export function readInCluster(dir: string, env: Record<string, string | undefined>): InClusterConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return undefined;
  const token = readOptional(join(dir, 'token'));
  if (token === undefined) return undefined;
  if (token.trim() === '') throw new OperationError(`the in-cluster token file ${join(dir, 'token')} is empty`);
  const caPem = readOptional(join(dir, 'ca.crt'));
  if (caPem === undefined) {
    throw new OperationError(`running in a pod, but ${join(dir, 'ca.crt')} cannot be read`, 'is the service account token mounted (automountServiceAccountToken)?');
  }
  const namespace = readOptional(join(dir, 'namespace'))?.trim() || undefined;
  const h = isIPv6(host) ? `[${host}]` : host;
  return { server: `https://${h}:${port}`, caPem, token: token.trim(), namespace };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileCappedSync(path, LIMITS.pemFile, 'a service account file').toString('utf8');
  } catch {
    return undefined;
  }
}
