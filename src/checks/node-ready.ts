/**
 * node-ready (seed steps 5 and 9): the pod's node is Ready, so its kubelet can refresh the token.
 */
import type { CheckContext } from './context.js';
import { restartPod } from './fixes.js';
import { when } from './format.js';
import type { Check } from './types.js';
import { fail, pass, skip, skipFor, type Verdict } from './verdict.js';

async function run(ctx: CheckContext): Promise<Verdict> {
  if (ctx.podUnknown) return skipFor(ctx.podUnknown);
  const nodeName = ctx.pod.spec?.nodeName;
  if (!nodeName) return skip('not applicable: the pod is not scheduled on a node yet');
  const node = await ctx.data.node();
  if (!node.ok) return skipFor(node.why, [`node: ${nodeName}`]);
  if (node.value === null) {
    return fail(`the pod's node ${nodeName} does not exist: nothing runs the pod or rotates its token`, [`node ${nodeName}: NotFound`], restartPod(ctx.pod, { nodeLost: true }));
  }
  const ready = node.value.status?.conditions?.find((c) => c.type === 'Ready');
  const evidence = [
    `node ${nodeName} Ready: ${ready?.status ?? 'no condition'}${ready?.reason ? ` (${ready.reason})` : ''}${ready?.lastTransitionTime ? ` since ${when(ready.lastTransitionTime, ctx.now)}` : ''}`,
  ];
  if (ready?.message) evidence.push(`message: ${ready.message}`);
  if (node.value.spec?.unschedulable) evidence.push('node is cordoned (unschedulable)');
  if (ready?.status === 'True') return pass(`node ${nodeName} is Ready`, evidence);
  return fail(
    `node ${nodeName} is not Ready${ready?.reason ? ` (${ready.reason})` : ''}: its kubelet cannot refresh the pod's token`,
    evidence,
    restartPod(ctx.pod, { nodeLost: true }),
  );
}

export const nodeReady: Check = {
  id: 'node-ready',
  title: 'Node ready',
  specLevel: true,
  run,
  explain:
    'Projected tokens are minted and refreshed by the kubelet of the pod\'s node. A NotReady node (kubelet down, or cut off ' +
    'from the API server) refreshes nothing: the pod\'s token ages until it expires. Re-creating the pod through its ' +
    'controller schedules it on a Ready node with a fresh token; look at the node with `kubectl describe node`.',
};
