/** Placeholder until the kube layer lands (issue 2): the cli's lazy import target. */
import { OperationError } from '../errors.js';
import type { ConnectionFlags, KubeConnection } from './types.js';

export async function connect(
  _flags: ConnectionFlags,
  _env: Record<string, string | undefined>,
  _signal: AbortSignal,
): Promise<KubeConnection> {
  throw new OperationError('cluster access is not built yet');
}
