/**
 * A failed TokenRequest explained: kubectl's `failed to create token: <server message>`, plus the
 * next step for each way it fails (KUBERNETES.md §6).
 */
import { OperationError } from '../../errors.js';
import { ApiError } from '../../kube/errors.js';
import type { MintOptions } from './options.js';
import { cmd, render } from '../../shell/command.js';

export function explainMintFailure(e: unknown, namespace: string, o: MintOptions): unknown {
  if (!(e instanceof ApiError)) return e;
  const message = `failed to create token: ${e.serverMessage || e.reason || `HTTP ${e.code}`}`;
  const bound = o.boundObjectRef;
  switch (e.code) {
    case 404: {
      // Status.details.kind says which object is missing: the ServiceAccount or the bound object.
      const kind = (e.details as { kind?: string } | undefined)?.kind ?? '';
      if (kind === 'serviceaccounts' || /serviceaccounts? "/.test(e.serverMessage) || (!bound && kind === '')) {
        return new OperationError(message, render(cmd('kubectl', 'create', 'serviceaccount', o.serviceAccount, '-n', namespace)), { cause: e });
      }
      return new OperationError(message, bound ? `check that ${bound.kind} "${bound.name}" exists in namespace ${namespace}` : undefined, { cause: e });
    }
    case 403:
      return new OperationError(
        message,
        `creating a token needs "create" on "serviceaccounts/token" in namespace ${namespace}; check with: ${render(cmd('kubectl', 'auth', 'can-i', 'create', 'serviceaccounts/token', '-n', namespace))}`,
        { cause: e },
      );
    case 409:
      return new OperationError(
        message,
        bound?.uid
          ? `--bound-object-uid ${bound.uid} is not the uid of ${bound.kind} "${bound.name}" (was it recreated?); leave out --bound-object-uid to bind to the current one`
          : 'the bound object changed while the token was being created; try again',
        { cause: e },
      );
    case 400:
    case 422:
      // The API server's own words say it best (e.g. a pod running as another ServiceAccount).
      return new OperationError(message, bound?.kind === 'Pod' && /different serviceaccount/.test(e.serverMessage)
        ? `a token bound to pod "${bound.name}" must be for the ServiceAccount that pod runs as (${render(cmd('kubectl', 'get', 'pod', bound.name, '-n', namespace, '-o', 'jsonpath={.spec.serviceAccountName}'))})`
        : undefined, { cause: e });
    default:
      return new OperationError(message, undefined, { cause: e });
  }
}
