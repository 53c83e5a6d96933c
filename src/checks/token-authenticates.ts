/**
 * token-authenticates (seed steps 4 and 10): does the API server accept the mounted token? A
 * TokenReview gives its verdict with the reason (status.error, the same text as the API server
 * log); without `create tokenreviews` a SelfSubjectReview as the token proves it, without a reason.
 */
import type { CheckContext } from './context.js';
import { createServiceAccount, restartPod } from './fixes.js';
import { podRef, serviceAccountName } from './spec.js';
import type { Check } from './types.js';
import { fail, pass, skipFor, type Verdict } from './verdict.js';

async function run(ctx: CheckContext): Promise<Verdict> {
  const auth = await ctx.data.authentication();
  if (!auth.ok) return skipFor(auth.why);
  const a = auth.value;
  const evidence = [`via: ${a.via === 'tokenreview' ? 'TokenReview' : 'SelfSubjectReview as the token'}`];
  if (a.authenticated) {
    evidence.push(`user: ${a.username ?? '?'}`);
    if (a.groups?.length) evidence.push(`groups: ${a.groups.join(', ')}`);
    if (a.audiences?.length) evidence.push(`audiences: ${a.audiences.join(', ')}`);
    return pass(`the API server accepts the token as ${a.username}`, evidence);
  }
  if (a.httpStatus) evidence.push(`HTTP ${a.httpStatus}`);
  if (a.error) evidence.push(`error: ${a.error}`);
  const why = a.error ? `: ${a.error}` : ' (401 Unauthorized; the reason is only in a TokenReview, which needs create tokenreviews)';
  return fail(`the API server rejects the token${why}`, evidence, fixFor(ctx, a.error ?? ''));
}

/** The fix for the API server's reason (KUBERNETES.md §2): most need a fresh token, i.e. a re-created pod. */
function fixFor(ctx: CheckContext, error: string): string[] {
  if (ctx.podUnknown) return [];
  const { namespace } = podRef(ctx.pod);
  const sa = serviceAccountName(ctx.pod);
  if (/service account \S+ has been deleted|serviceaccounts? "[^"]*" not found/i.test(error)) {
    return [createServiceAccount(namespace, sa), ...restartPod(ctx.pod)];
  }
  // Audience and issuer mismatches are configuration: their own checks carry the fix.
  if (/audiences|issuer/i.test(error)) return [];
  return restartPod(ctx.pod);
}

export const tokenAuthenticates: Check = {
  id: 'token-authenticates',
  title: 'Token authenticates',
  specLevel: false,
  run,
  explain:
    'A client only ever sees 401 Unauthorized; the reason (expired, wrong audience, deleted ServiceAccount or pod, uid ' +
    'mismatch, invalidated Secret) goes to the API server log and, verbatim, into a TokenReview\'s status.error. ' +
    '401 is the token; 403 is RBAC.',
};
