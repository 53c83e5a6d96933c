/**
 * rbac (seed step 4): once the token authenticates, what may it do? A 403 is RBAC, not the token.
 * What a ServiceAccount may do is information: most need no rights at all (the `default` one of
 * every namespace, coredns's reads come from its own ClusterRole), so a right nobody asked for is
 * never a warning. It `fail`s only when the token lacks a right the user says the app needs
 * (--can VERB RESOURCE); without --can it passes and says whether the token may list pods in its
 * namespace (what the seed tries).
 */
import type { AccessAttributes } from '../kube/types.js';
import type { CheckContext } from './context.js';
import { grantAccess } from './fixes.js';
import { podRef, serviceAccountName } from './spec.js';
import type { Check } from './types.js';
import { fail, pass, skip, skipFor, type Verdict } from './verdict.js';

export function describeAccess(a: AccessAttributes): string {
  const res = [a.resource, a.subresource].filter(Boolean).join('/') + (a.group ? `.${a.group}` : '');
  return `${a.verb} ${res}${a.name ? ` ${a.name}` : ''}${a.namespace ? ` in ${a.namespace}` : ' cluster-wide'}`;
}

async function run(ctx: CheckContext): Promise<Verdict> {
  if (ctx.podUnknown && ctx.options.mode !== 'self') return skipFor(ctx.podUnknown);
  const auth = await ctx.data.authentication();
  if (auth.ok && !auth.value.authenticated) return skip('not applicable: the token does not authenticate (see token-authenticates)');
  const { namespace } = podRef(ctx.pod);
  const seed: AccessAttributes = { namespace, verb: 'list', resource: 'pods' };
  const wanted = ctx.options.can.map((c) => ({ ...c, namespace: c.namespace ?? namespace }));
  const decisions = await Promise.all([seed, ...wanted].map((a) => ctx.data.access(a)));
  const unknown = decisions.find((d) => !d.ok);
  if (unknown && !unknown.ok) return skipFor(unknown.why);
  const evidence: string[] = [];
  const deniedWanted: AccessAttributes[] = [];
  decisions.forEach((d, i) => {
    if (!d.ok) return;
    const attrs = i === 0 ? seed : wanted[i - 1];
    evidence.push(`${describeAccess(attrs)}: ${d.value.allowed ? 'allowed' : 'denied'}${d.value.reason ? ` (${d.value.reason})` : ''}`);
    if (i > 0 && !d.value.allowed) deniedWanted.push(attrs);
  });
  const seedAllowed = decisions[0].ok && decisions[0].value.allowed;
  if (deniedWanted.length > 0) {
    const user = `system:serviceaccount:${namespace}:${serviceAccountName(ctx.pod)}`;
    return fail(
      `the token authenticates but may not ${deniedWanted.map(describeAccess).join(', ')}: the API server answers 403 (RBAC, not the token)`,
      evidence,
      deniedWanted.flatMap((a) => grantAccess(user, a)),
    );
  }
  if (!seedAllowed && wanted.length === 0) {
    return pass(`the token may not list pods in ${namespace} (information: name the rights the app needs with --can VERB RESOURCE)`, evidence);
  }
  return pass(wanted.length ? 'the token may do everything asked' : `the token may list pods in ${namespace}`, evidence);
}

export const rbac: Check = {
  id: 'rbac',
  title: 'RBAC',
  specLevel: false,
  run,
  explain:
    'Authentication (who the token is) and authorization (what it may do) are separate: a valid token without a RoleBinding ' +
    'gets 403 Forbidden. ServiceAccounts are users system:serviceaccount:<ns>:<sa> in the groups system:serviceaccounts and ' +
    'system:serviceaccounts:<ns>; grant them Roles with RoleBindings.',
};
