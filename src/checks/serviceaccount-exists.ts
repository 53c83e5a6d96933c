/**
 * serviceaccount-exists (seed step 2): the pod's ServiceAccount exists, and it is the same one the
 * token was issued for (uid). A ServiceAccount deleted — or deleted and re-created — after the pod
 * started leaves the pod with a token the API server refuses until the pod is re-created.
 */
import type { CheckContext } from './context.js';
import { createServiceAccount, restartPod } from './fixes.js';
import { skipReason, when } from './format.js';
import { podRef, serviceAccountName } from './spec.js';
import type { Check } from './types.js';
import { fail, pass, skipFor, type Verdict } from './verdict.js';

async function run(ctx: CheckContext): Promise<Verdict> {
  const { namespace } = podRef(ctx.pod);
  const saName = serviceAccountName(ctx.pod);
  const evidence = [`pod .spec.serviceAccountName: ${saName}`];
  const sa = await ctx.data.serviceAccount();
  if (!sa.ok) return skipFor(sa.why, evidence);
  if (sa.value === null) {
    return fail(
      `ServiceAccount ${namespace}/${saName} does not exist: the pod's token names a deleted ServiceAccount and the API server refuses it`,
      [...evidence, `serviceaccount ${namespace}/${saName}: NotFound`],
      [createServiceAccount(namespace, saName), ...restartPod(ctx.pod)],
    );
  }
  const uid = sa.value.metadata?.uid ?? '';
  evidence.push(`serviceaccount ${namespace}/${saName}: uid ${uid}, created ${when(sa.value.metadata?.creationTimestamp, ctx.now)}`);
  if (sa.value.metadata?.deletionTimestamp) {
    return fail(`ServiceAccount ${namespace}/${saName} is being deleted`, evidence, [createServiceAccount(namespace, saName), ...restartPod(ctx.pod)]);
  }
  // Tokens are only compared when we hold one (exec or --self); a scan judges existence alone.
  const token = await ctx.data.token();
  if (!token.ok) return pass(`ServiceAccount ${saName} exists (the token's uid not compared — ${skipReason(token.why)})`, evidence);
  const claimed = token.value.token.serviceAccount;
  if (!claimed?.uid) return pass(`ServiceAccount ${saName} exists`, evidence);
  evidence.push(`token claims serviceaccount: ${claimed.name ?? '?'} (uid ${claimed.uid})`);
  if (claimed.name === saName && claimed.uid !== uid) {
    return fail(
      `ServiceAccount ${saName} was re-created after the token was issued: its uid ${uid} does not match the token's ${claimed.uid}`,
      evidence,
      restartPod(ctx.pod),
    );
  }
  return pass(`ServiceAccount ${saName} exists and is the one the token was issued for`, evidence);
}

export const serviceAccountExists: Check = {
  id: 'serviceaccount-exists',
  title: 'ServiceAccount exists',
  specLevel: true,
  run,
  explain:
    'Admission refuses a pod whose ServiceAccount does not exist, but a ServiceAccount deleted later leaves running pods with a ' +
    'token the API server rejects ("service account ... has been deleted", or "UID ... does not match claim" when it was re-created). ' +
    'Re-creating the ServiceAccount is not enough: the pod must be re-created to get a token for the new uid.',
};
