import { fixForReason, rbacFix, type FixContext } from '../../../../src/commands/test-auth/fixes';
import type { KubernetesView } from '../../../../src/jwt/types';
import { NOT_PRINTED } from '../../../../src/shell/command';
import { paste } from '../../../support/paste';

const view = (over: Partial<KubernetesView> = {}): KubernetesView => ({
  type: 'bound',
  issuer: 'https://kubernetes.default.svc.cluster.local',
  subject: 'system:serviceaccount:shop:app',
  namespace: 'shop',
  serviceAccount: { name: 'app', uid: 'u1' },
  audiences: ['https://kubernetes.default.svc.cluster.local'],
  issuedAt: null,
  notBefore: null,
  expiresAt: null,
  expiresInSeconds: null,
  boundObject: null,
  node: null,
  warnAfter: null,
  jti: null,
  ...over,
});
const minted: FixContext = { view: view(), namespace: 'shop' };
const fromPod: FixContext = { view: view({ boundObject: { kind: 'Pod', name: 'web-0', uid: 'p1' } }), namespace: 'shop', pod: { namespace: 'shop', name: 'web-0' } };
const legacy: FixContext = { view: view({ type: 'legacy', boundObject: { kind: 'Secret', name: 'app-token', uid: null } }), namespace: 'shop' };

describe('the fix for each API server reason (KUBERNETES.md §2)', () => {
  test.each<[string, string, FixContext, RegExp]>([
    ['expired, read from a pod', '[invalid bearer token, service account token has expired]', fromPod, /kubelet should have replaced.*kubectl delete pod web-0 -n shop/],
    ['expired, minted', 'service account token has expired', minted, /mint a new token \(kubectl create token app -n shop\)/],
    ['not yet valid', 'service account token is not valid yet', minted, /clocks/],
    ['issued in the future', 'service account token is issued in the future', minted, /clocks/],
    ['ServiceAccount recreated', 'service account UID (u2) does not match claim (u1)', fromPod, /ServiceAccount shop\/app was deleted and recreated.*kubectl delete pod web-0/],
    ['ServiceAccount deleted', 'service account shop/app has been deleted', minted, /kubectl create serviceaccount app -n shop/],
    ['ServiceAccount not found', 'serviceaccounts "app" not found', minted, /kubectl create serviceaccount app -n shop/],
    ['bound pod deleted', 'service account token has been invalidated', fromPod, /Pod web-0 the token was bound to no longer exists/],
    ['pod recreated', 'pod UID (p2) does not match service account pod ref claim (p1)', fromPod, /pod the token is bound to was recreated.*kubectl delete pod web-0/],
    ['wrong audience', 'token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]', minted, /without --audience \(kubectl create token app -n shop\)/],
    ['wrong issuer', 'token issuer "https://other" is invalid', minted, /another cluster or issuer/],
    ['bad signature', 'invalid signature, no keys found', minted, /signed by a key this cluster does not trust/],
    ['legacy marked invalid', 'the token in secret shop/app-token for service account shop/app has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the \'kubernetes.io/legacy-token-invalid-since\' label from the secret to temporarily allow use of this token', legacy, /kubectl label secret app-token -n shop kubernetes.io\/legacy-token-invalid-since-/],
    ['legacy Secret deleted', 'Token has been invalidated', legacy, /Secret shop\/app-token was deleted/],
    ['legacy token replaced', 'Token does not match server\'s copy', legacy, /token was replaced/],
  ])('%s', (_name, reason, ctx, fix) => {
    expect(fixForReason(reason, ctx)).toMatch(fix);
  });
});

describe('rbacFix', () => {
  test('a Role and RoleBinding per denied access, for a ServiceAccount', () => {
    expect(rbacFix('system:serviceaccount:shop:app', [{ namespace: 'shop', verb: 'list', resource: 'pods' }])).toBe(
      'kubectl create role app-list-pods --verb=list --resource=pods -n shop && kubectl create rolebinding app-list-pods --role=app-list-pods --serviceaccount=shop:app -n shop',
    );
    expect(rbacFix('system:serviceaccount:shop:app', [{ namespace: 'shop', verb: 'patch', resource: 'deployments', group: 'apps', subresource: 'scale' }])).toBe(
      'kubectl create role app-patch-deployments-apps-scale --verb=patch --resource=deployments.apps/scale -n shop && kubectl create rolebinding app-patch-deployments-apps-scale --role=app-patch-deployments-apps-scale --serviceaccount=shop:app -n shop',
    );
  });
  test('a user that is not a ServiceAccount, cluster-wide', () => {
    expect(rbacFix('jane@example.com', [{ verb: 'list', resource: 'nodes' }])).toBe(
      'kubectl create clusterrole jane-example-com-list-nodes --verb=list --resource=nodes && kubectl create clusterrolebinding jane-example-com-list-nodes --clusterrole=jane-example-com-list-nodes --user=jane@example.com',
    );
  });
  test('a hostile user name from the server stays one argument of the binding; a role name never starts with "-"', async () => {
    const user = 'jane;touch${IFS}pwned;#';
    const line = rbacFix(user, [{ verb: 'list', resource: 'nodes' }]);
    const { calls, files } = await paste(line);
    expect(files).toEqual([]);
    expect(calls.map((c) => c.argv.at(-1)).sort()).toEqual(['--resource=nodes', `--user=${user}`]);
    // The role is named after the ServiceAccount with its leading "-" dropped, so kubectl never
    // reads it as a flag; the ServiceAccount itself is a flag's value, which pflag takes as is.
    const dashed = rbacFix('system:serviceaccount:shop:-server', [{ namespace: 'shop', verb: 'list', resource: 'pods' }]);
    expect(dashed).toBe('kubectl create role server-list-pods --verb=list --resource=pods -n shop && kubectl create rolebinding server-list-pods --role=server-list-pods --serviceaccount=shop:-server -n shop');
    const pasted = await paste(dashed);
    expect(pasted.calls.map((c) => c.argv.slice(0, 3))).toEqual([['create', 'role', 'server-list-pods'], ['create', 'rolebinding', 'server-list-pods']]);
  });
});
