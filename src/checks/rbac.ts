/**
 * rbac (seed step 4): once the token authenticates, what may it do? A 403 is RBAC, not the token.
 * What a ServiceAccount may do is information: most need no rights at all (the `default` one of
 * every namespace, coredns's reads come from its own ClusterRole), so a right nobody asked for is
 * never a warning. It `fail`s only when the token lacks a right the user says the app needs
 * (--can VERB RESOURCE) or that the pod's own requests were refused (diagnose --audit-log), and is
 * still refused now; otherwise it passes and says whether the token may list pods in its
 * namespace (what the seed tries).
 */
import type { AccessAttributes } from '../kube/types.js';
import type { CheckContext, DeniedRequest } from './context.js';
import { grantAccess } from './grant.js';
import { skipReason } from './format.js';
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
  // What the app needs: what the user names (--can), and what its own requests were refused (the audit log).
  const seen = ctx.data.deniedRequests ? await ctx.data.deniedRequests() : undefined;
  const observed = seen?.ok ? seen.value : [];
  const wanted: Array<{ attrs: AccessAttributes; seen?: DeniedRequest }> = [];
  const keys = new Set<string>();
  const want = (attrs: AccessAttributes, d?: DeniedRequest) => {
    const key = JSON.stringify(attrs);
    if (keys.has(key)) return;
    keys.add(key);
    wanted.push({ attrs, ...(d ? { seen: d } : {}) });
  };
  for (const c of ctx.options.can) want({ ...c, namespace: c.namespace ?? namespace });
  for (const d of observed) want(d.attrs, d);
  const decisions = await Promise.all([seed, ...wanted.map((w) => w.attrs)].map((a) => ctx.data.access(a)));
  const unknown = decisions.find((d) => !d.ok);
  if (unknown && !unknown.ok) return skipFor(unknown.why);
  const evidence: string[] = [];
  if (seen && !seen.ok) evidence.push(`audit log: ${skipReason(seen.why)}`);
  const deniedWanted: Array<{ attrs: AccessAttributes; seen?: DeniedRequest }> = [];
  decisions.forEach((d, i) => {
    if (!d.ok) return;
    const w = i === 0 ? { attrs: seed } : wanted[i - 1];
    const was = w.seen ? `; the audit log shows ${w.seen.count} refused, the last ${w.seen.last || 'at an unknown time'}` : '';
    evidence.push(`${describeAccess(w.attrs)}: ${d.value.allowed ? 'allowed' : 'denied'}${d.value.reason ? ` (${d.value.reason})` : ''}${was}`);
    if (i > 0 && !d.value.allowed) deniedWanted.push(w);
  });
  const seedAllowed = decisions[0].ok && decisions[0].value.allowed;
  if (deniedWanted.length > 0) {
    const user = `system:serviceaccount:${namespace}:${serviceAccountName(ctx.pod)}`;
    const refused = deniedWanted.filter((w) => w.seen);
    const why = refused.length > 0 ? `; the pod's own requests were refused (${refused.map((w) => describeAccess(w.attrs)).join(', ')}: audit log)` : '';
    return fail(
      `the token authenticates but may not ${deniedWanted.map((w) => describeAccess(w.attrs)).join(', ')}: the API server answers 403 (RBAC, not the token)${why}`,
      evidence,
      deniedWanted.flatMap((w) => grantAccess(user, w.attrs)),
    );
  }
  if (!seedAllowed && wanted.length === 0) {
    return pass(`the token may not list pods in ${namespace} (information: name the rights the app needs with --can VERB RESOURCE)`, evidence);
  }
  if (observed.length > 0) return pass('the token may now do what the audit log shows refused to the pod before (and everything asked)', evidence);
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
