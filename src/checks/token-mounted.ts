/**
 * token-mounted (seed step 1): the container has a token volume at the ServiceAccount directory,
 * and — when exec is possible — the files token, ca.crt and namespace are really there.
 */
import type { CheckContext } from './context.js';
import { restartPod } from './fixes.js';
import { skipReason, when } from './format.js';
import { SA_DIR, containerStartedAt, tokenVolume } from './spec.js';
import type { Check } from './types.js';
import { fail, pass, skipFor, warn, type Verdict } from './verdict.js';

/**
 * The kubelet's FailedMount messages when it cannot mint a projected token (pkg/kubelet/token):
 * `failed to fetch token: …` (none cached), `token … expired and refresh failed: …` (cached one expired).
 */
export const FETCH_TOKEN_FAILED = /failed to fetch token|expired and refresh failed/i;

async function run(ctx: CheckContext): Promise<Verdict> {
  if (ctx.podUnknown && ctx.options.mode !== 'self') return skipFor(ctx.podUnknown);
  const volume = ctx.podUnknown ? undefined : tokenVolume(ctx.pod, ctx.container);
  const evidence: string[] = [];
  if (!ctx.podUnknown) {
    if (!volume) {
      evidence.push(`container ${ctx.container.name}: no volumeMount at ${SA_DIR}`);
      const automountOff = ctx.pod.spec?.automountServiceAccountToken === false;
      return fail(
        `container ${ctx.container.name} has no token: nothing is mounted at ${SA_DIR}`,
        evidence,
        // When automount is off the automount check carries the fix; otherwise re-admission injects the volume.
        automountOff ? [] : restartPod(ctx.pod),
      );
    }
    evidence.push(`volume: ${volume.volumeName} (${volume.kind === 'secret' ? `secret ${volume.secretName}` : volume.kind}) at ${volume.mountPath}`);
    const events = await ctx.data.podEvents();
    const failures = events.ok ? events.value.filter((e) => e.reason === 'FailedMount' && FETCH_TOKEN_FAILED.test(e.message ?? '')) : [];
    for (const e of failures.slice(-2)) evidence.push(`event ${e.reason} (x${e.count ?? 1}, last ${when(e.lastTimestamp ?? e.eventTime, ctx.now)}): ${e.message}`);
    const started = containerStartedAt(ctx.pod, ctx.container.name);
    if (!started && failures.length > 0) {
      return fail(`the kubelet could not mount the token volume ${volume.volumeName}: ${failures[failures.length - 1].message}`, evidence, restartPod(ctx.pod));
    }
  }

  const mounted = await ctx.data.mountedToken();
  if (!mounted.ok) {
    if (ctx.podUnknown) return skipFor(mounted.why, evidence);
    return pass(`the token volume is mounted per the pod spec (files not inspected — ${skipReason(mounted.why)})`, evidence);
  }
  const m = mounted.value;
  const missingFiles = (['token', 'ca.crt', 'namespace'] as const).filter((f) => m.files[f] === null);
  for (const f of ['token', 'ca.crt', 'namespace'] as const) {
    const st = m.files[f];
    evidence.push(`${m.dir}/${f}: ${st === null ? 'missing' : st === undefined ? 'not checked' : `${st.size} bytes, modified ${when(st.mtime, ctx.now)}`}`);
  }
  if (m.files.token === null || (m.files.token === undefined && !m.raw)) {
    return fail(`the token file ${m.dir}/token is missing in container ${ctx.container.name}`, evidence, ctx.podUnknown ? [] : restartPod(ctx.pod));
  }
  if (m.raw !== undefined && m.raw.trim() === '') {
    return fail(`the token file ${m.dir}/token is empty`, evidence, ctx.podUnknown ? [] : restartPod(ctx.pod));
  }
  if (missingFiles.length > 0) {
    return warn(
      `the token is mounted but ${missingFiles.join(' and ')} ${missingFiles.length > 1 ? 'are' : 'is'} missing: in-cluster client libraries need them`,
      evidence,
    );
  }
  return pass(`token, ca.crt and namespace are present in ${m.dir}`, evidence);
}

export const tokenMounted: Check = {
  id: 'token-mounted',
  title: 'Token mounted',
  specLevel: true,
  run,
  explain:
    'Admission adds a projected volume kube-api-access-xxxxx (a 3607 s TokenRequest token, the kube-root-ca.crt ConfigMap and ' +
    'the namespace) at /var/run/secrets/kubernetes.io/serviceaccount in every container. The kubelet writes the files; when it ' +
    'cannot fetch the token the mount fails with a FailedMount event and the container does not start.',
};
