/**
 * The fix for each way a token is refused (the API server's reasons, KUBERNETES.md §2) and the
 * RoleBinding that grants what RBAC refused. Commands are filled in from what the token names.
 */
import { grantAccess } from '../../checks/grant.js';
import type { AccessAttributes } from '../../kube/types.js';
import type { KubernetesView } from '../../jwt/types.js';
import { cmd, literal, operand, operandOr, render, renderAnd, type Word } from '../../shell/command.js';

/** What a fix can name: the token's claims, and where the token came from. */
export interface FixContext {
  view: KubernetesView | null;
  /** The pod the token was read from (--pod), if any. */
  pod?: { namespace: string; name: string };
  /** The namespace to use when the token names none. */
  namespace: string;
}

/** The API server's (or a local finding's) words for a token issued for other audiences. */
export const AUDIENCE_MISS = /audiences? .* is invalid for the target audiences|audience-mismatch/i;

/** The fix for an API server reason (TokenReview status.error, or a local finding's message). */
export function fixForReason(reason: string, c: FixContext): string {
  const v = c.view;
  const ns = v?.namespace ?? c.namespace;
  const sa = v?.serviceAccount?.name ?? '<serviceaccount>';
  // The same names as command words: quoted by render, a placeholder left as is.
  const saWord: Word = operandOr(v?.serviceAccount?.name, '<serviceaccount>');
  const bound = v?.boundObject;
  const boundSecret = bound?.kind === 'Secret' && bound.name ? bound.name : undefined;
  const pod = c.pod ?? (bound?.kind === 'Pod' && bound.name ? { namespace: ns, name: bound.name } : undefined);
  const mint = render(cmd('kubectl', 'create', 'token', saWord, '-n', ns));
  const restart = pod ? `restart pod ${pod.name} so it gets a fresh token (${render(cmd('kubectl', 'delete', 'pod', operand(pod.name), '-n', pod.namespace))}; its controller recreates it)` : undefined;

  if (/marked invalid|legacy-token-invalid-since/i.test(reason)) {
    const secret = boundSecret ?? '<secret>';
    return `the legacy token cleaner marked Secret ${ns}/${secret} invalid: move the workload to TokenRequest tokens (${render(cmd('kubectl', 'satoken', 'migrate-legacy', '-n', ns))}), or to re-enable it for now: ${render(cmd('kubectl', 'label', 'secret', operandOr(boundSecret, '<secret>'), '-n', ns, 'kubernetes.io/legacy-token-invalid-since-'))}`;
  }
  if (/does not match server's copy/i.test(reason)) {
    const read = [cmd('kubectl', 'get', 'secret', operandOr(bound?.name, '<secret>'), '-n', ns, '-o', 'jsonpath={.data.token}'), cmd('base64', '-d')];
    return `the Secret's token was replaced: read the current one (${render(read)}), or better use ${mint}`;
  }
  if (/^(\[?invalid bearer token, )?Token has been invalidated/.test(reason) || (v?.type === 'legacy' && /invalidated/i.test(reason))) {
    return `the token's Secret ${ns}/${bound?.name ?? '<secret>'} was deleted: use a TokenRequest token instead (${mint})`;
  }
  if (/has expired/i.test(reason)) {
    return restart
      ? `the kubelet should have replaced this token before it expired: ${restart}, and check that its node is Ready and the app re-reads the token file`
      : `mint a new token (${mint}); an app must re-read its token file, not cache it`;
  }
  if (/not valid yet|issued in the future/i.test(reason)) {
    return 'the clocks disagree: check NTP on the machine that issued the token and on the API server';
  }
  if (/service account UID \(.*\) does not match claim/i.test(reason)) {
    return `ServiceAccount ${ns}/${sa} was deleted and recreated after the token was issued: ${restart ?? `restart the pods that run as it (${render(cmd('kubectl', 'get', 'pods', '-n', ns, '--field-selector', 'operand' in saWord ? `spec.serviceAccountName=${sa}` : literal(`spec.serviceAccountName=${sa}`)))}), or ${mint}`}`;
  }
  if (/has been deleted|serviceaccounts? "[^"]*" not found/i.test(reason)) {
    return `ServiceAccount ${ns}/${sa} is gone: ${render(cmd('kubectl', 'create', 'serviceaccount', saWord, '-n', ns))}, then restart the pods that use it`;
  }
  if (/(pod|secret|node) UID \(.*\) does not match/i.test(reason)) {
    const kind = /^\W*(?:invalid bearer token, )?(\w+) UID/i.exec(reason)?.[1] ?? 'object';
    return `the ${kind} the token is bound to was recreated under the same name: ${kind.toLowerCase() === 'pod' && restart ? restart : `get a new token (${mint})`}`;
  }
  if (/has been invalidated/i.test(reason)) {
    const obj = bound ? `${bound.kind} ${bound.name ?? ''}`.trim() : 'object';
    return `the ${obj} the token was bound to no longer exists: use the token of a running pod, or ${mint}`;
  }
  if (AUDIENCE_MISS.test(reason)) {
    return `the token was issued for other audiences: for the Kubernetes API request one without --audience (${mint}); for another service pass its audience to test-auth (--audience AUD)`;
  }
  if (/issuer/i.test(reason)) {
    return `the token was issued by another cluster or issuer: get one from this cluster (${restart ?? mint}); when changing --service-account-issuer keep the old one as an extra --service-account-issuer until old tokens expire`;
  }
  if (/signature|no keys found|cryptographic primitive/i.test(reason)) {
    return `the token is signed by a key this cluster does not trust (another cluster, or the signing key was rotated): get a fresh one (${restart ?? mint})`;
  }
  return `get a fresh token from this cluster (${restart ?? mint}) and test it again`;
}

/**
 * The Role and RoleBinding that grant the denied access to the token's user, as diagnose's rbac
 * check prints them (one builder): `kubectl create role app-list-pods … && kubectl create rolebinding …`.
 */
export function rbacFix(username: string, denied: AccessAttributes[]): string {
  return denied.flatMap((a) => grantAccess(username, a)).join(' && ');
}
