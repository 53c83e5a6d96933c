/**
 * automount (seed step 1): is a token mounted automatically, and if not, who turned it off?
 * The pod's automountServiceAccountToken wins, then the ServiceAccount's; the default is true
 * (plugin/pkg/admission/serviceaccount/admission.go). Decided once, at admission.
 */
import type { CheckContext } from './context.js';
import { enableServiceAccountAutomount, patchPodTemplate, restartPod } from './fixes.js';
import { flag } from './format.js';
import { podRef, serviceAccountName, tokenVolume } from './spec.js';
import type { Check } from './types.js';
import { fail, pass, skip, skipFor, warn, type Verdict } from './verdict.js';

async function run(ctx: CheckContext): Promise<Verdict> {
  if (ctx.podUnknown) return skipFor(ctx.podUnknown);
  const { namespace, name } = podRef(ctx.pod);
  const saName = serviceAccountName(ctx.pod);
  const podSetting = ctx.pod.spec?.automountServiceAccountToken;
  const sa = await ctx.data.serviceAccount();
  const saSetting = sa.ok && sa.value ? sa.value.automountServiceAccountToken : undefined;
  const saText = !sa.ok ? `unknown (${sa.why.message})` : sa.value === null ? 'ServiceAccount not found' : flag(saSetting);
  const volume = tokenVolume(ctx.pod, ctx.container);
  const mounted = volume
    ? `volume ${volume.volumeName} at ${volume.mountPath}${volume.injected ? ' (injected by admission)' : ''}`
    : `nothing at the token directory of container ${ctx.container.name}`;
  const decidedBy = podSetting !== undefined ? 'the pod' : saSetting !== undefined ? `ServiceAccount ${saName}` : 'the default (true)';
  const effective = podSetting ?? saSetting ?? true;
  const evidence = [
    `pod ${name} .spec.automountServiceAccountToken: ${flag(podSetting)}`,
    `serviceaccount ${saName} .automountServiceAccountToken: ${saText}`,
    `effective: ${effective} (decided by ${decidedBy})`,
    `mounted: ${mounted}`,
  ];

  if (podSetting === false) {
    if (volume) return pass(`automount is off in the pod spec, and the pod mounts its own token volume ${volume.volumeName}`, evidence);
    return fail(
      `automount is disabled by the pod spec (automountServiceAccountToken: false): container ${ctx.container.name} has no token`,
      evidence,
      patchPodTemplate(ctx.pod, [{ op: 'add', path: '/automountServiceAccountToken', value: true }]),
    );
  }
  if (podSetting === undefined && saSetting === false) {
    if (!volume) {
      return fail(
        `automount is disabled by ServiceAccount ${saName} (automountServiceAccountToken: false) and the pod does not override it: no token is mounted`,
        evidence,
        [enableServiceAccountAutomount(namespace, saName), ...restartPod(ctx.pod)],
      );
    }
    if (volume.injected) {
      return warn(
        `ServiceAccount ${saName} now disables automount; this pod got its token before that, but a re-created pod will have none`,
        evidence,
        [enableServiceAccountAutomount(namespace, saName)],
      );
    }
    return pass(`automount is off for ServiceAccount ${saName}, and the pod mounts its own token volume ${volume.volumeName}`, evidence);
  }
  if (!sa.ok && !volume) return skipFor(sa.why, evidence);
  if (sa.ok && sa.value === null && !volume) {
    return skip('not applicable: the ServiceAccount does not exist (see serviceaccount-exists)', evidence);
  }
  return pass(volume ? `automount is on (${decidedBy}); the token volume is mounted` : `automount is on (${decidedBy})`, evidence);
}

export const automount: Check = {
  id: 'automount',
  title: 'Token automount',
  specLevel: true,
  run,
  explain:
    'Admission mounts a token into every container unless automountServiceAccountToken is false. The pod field wins over the ' +
    "ServiceAccount's; the default is true. It is decided when the pod is created: changing the ServiceAccount later does " +
    'not change running pods, so the pod must be re-created.',
};
