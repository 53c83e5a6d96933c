/**
 * audience (seed step 7): the token's audiences include one the API server accepts
 * (--api-audiences, which defaults to the issuer). Custom projected tokens for third parties
 * (Vault, a cloud) are listed: a token for them is meant NOT to work against the API server.
 */
import type { V1Container, V1Pod, V1ServiceAccount } from '@kubernetes/client-node';
import { THIRD_PARTY_KINDS } from '../jwt/third-party.js';
import type { CheckContext } from './context.js';
import { patchPodTemplate } from './fixes.js';
import { list, skipReason } from './format.js';
import { projectedTokens, tokenVolume } from './spec.js';
import type { Check } from './types.js';
import { fail, pass, skip, skipFor, type Verdict } from './verdict.js';

/** TokenReview status.error for an audience miss: `token audiences [...] is invalid for the target audiences [...]`. */
const TARGET_AUDIENCES = /invalid for the target audiences \[(.*?)\]/;

export function targetAudiencesFromError(error: string | undefined): string[] | undefined {
  const m = error ? TARGET_AUDIENCES.exec(error) : null;
  if (!m) return undefined;
  return [...m[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]);
}

async function run(ctx: CheckContext): Promise<Verdict> {
  const token = await ctx.data.token();
  const evidence: string[] = [];
  if (!ctx.podUnknown) {
    for (const p of projectedTokens(ctx.pod)) {
      evidence.push(`projected volume ${p.volume}: audience ${p.audience ?? '(API audiences)'}, ${p.expirationSeconds ?? 3600}s${p.mountedAt.length ? `, at ${p.mountedAt.join(', ')}` : ''}`);
    }
  }
  if (!token.ok) return skipFor(token.why, evidence);
  const aud = token.value.token.audiences;
  evidence.unshift(`token aud: ${list(aud)}`);
  if (token.value.token.type === 'legacy') return pass('a legacy token carries no audience: the API server accepts it for its own audiences', evidence);

  const [server, auth] = await Promise.all([ctx.data.apiServer(), ctx.data.authentication()]);
  if (server.ok) for (const u of server.value.unavailable ?? []) evidence.push(`not readable: ${u}`);
  let apiAudiences: string[] | undefined;
  let source = '';
  if (server.ok && server.value.apiAudiences) {
    apiAudiences = server.value.apiAudiences;
    source = server.value.sources.find((s) => /api-audiences|spec\.audiences/.test(s)) ?? server.value.sources.find((s) => s.includes('issuers')) ?? 'kube-apiserver flags';
  } else if (auth.ok && targetAudiencesFromError(auth.value.error)) {
    apiAudiences = targetAudiencesFromError(auth.value.error);
    source = 'TokenReview status.error';
  } else if (auth.ok && auth.value.authenticated && auth.value.audiences?.length) {
    // Upstream fills status.audiences with the token's audiences that the API server accepts: a subset of --api-audiences.
    apiAudiences = auth.value.audiences;
    source = 'TokenReview status.audiences (those of the token\'s audiences the API server accepts)';
  }
  if (!apiAudiences) {
    if (auth.ok && auth.value.authenticated) return pass('the token authenticates, so its audience is accepted', evidence);
    // --api-audiences defaults to the issuer, but managed clusters set their own (EKS: https://kubernetes.default.svc):
    // a guess from the issuer may be said, never judged on.
    const issuer = server.ok ? (server.value.issuers?.[0] ?? server.value.signingIssuer ?? server.value.discoveryIssuer) : undefined;
    if (issuer) {
      evidence.push(`API audiences: not known; upstream's default would be the issuer ${JSON.stringify(issuer)} (--api-audiences unset), which managed clusters often change`);
      if (aud.includes(issuer)) return pass(`the token's audience is the issuer ${issuer}, upstream's default API audience (the API audiences could not be read)`, evidence);
    }
    const why = server.ok ? (server.value.unavailable ?? []).join('; ') || 'not published' : skipReason(server.why);
    const review = auth.ok ? '' : `; TokenReview: ${skipReason(auth.why)}`;
    return skip(`cannot tell the API server's audiences (${why}${review})`, evidence);
  }
  evidence.push(`API audiences: ${list(apiAudiences)} (${source})`);
  if (auth.ok && auth.value.authenticated) return pass(`the token's audience is accepted by the API server`, evidence);
  if (aud.some((a) => apiAudiences!.includes(a))) return pass(`the token's audiences include the API server's`, evidence);

  const volume = ctx.podUnknown ? undefined : tokenVolume(ctx.pod, ctx.container);
  const third = token.value.thirdParty;
  const sa = ctx.podUnknown ? undefined : await ctx.data.serviceAccount();
  const fix = ctx.podUnknown ? [] : audienceFix(ctx.pod, ctx.container, third, sa?.ok ? sa.value : null);
  const named = third ? `; the app reads as its Kubernetes token the ${third.name} token (${third.purpose}), not one for the API server` : '';
  return fail(
    `the token's audiences ${list(aud)} do not include the API server's ${list(apiAudiences)}: the API server refuses it` +
      (volume?.audience ? ` (volume ${volume.volumeName} asks for audience ${volume.audience}; a token for a third party belongs at another path)` : '') +
      named,
    evidence,
    fix,
  );
}

/**
 * The fix for a pod whose API token path holds a token for another audience: the pod-template
 * patch that gives the container an API token again. diagnose's audience check and test-auth
 * --pod print it (one builder). Empty when the volume is not one this can change.
 */
export function audienceFix(pod: V1Pod, container: V1Container, third: { id: string } | undefined, serviceAccount: V1ServiceAccount | null): string[] {
  const volume = tokenVolume(pod, container);
  const ci = (pod.spec?.containers ?? []).findIndex((c) => c.name === container.name);
  const kind = third ? THIRD_PARTY_KINDS.find((k) => k.id === third.id) : undefined;
  if (kind?.defaultPath && volume && volume.volumeIndex >= 0 && ci >= 0 && !volume.mountPath.endsWith('/token')) {
    // A third party's token mounted where the API token belongs: move it to its own directory, so
    // admission's kube-api-access volume takes the API path again (the pod must be re-created).
    // Admission adds that volume only where automount is on (k/k plugin/pkg/admission/serviceaccount
    // admission.go, shouldAutomount): a pod that turned it off to make room for the hand-made mount
    // gets it back in the same patch, or the next diagnosis finds no API token at all.
    const podSays = pod.spec?.automountServiceAccountToken;
    const automountOff = podSays === false || (podSays === undefined && serviceAccount?.automountServiceAccountToken === false);
    return patchPodTemplate(pod, [
      { op: 'test', path: `/containers/${ci}/volumeMounts/${volume.mountIndex}/name`, value: volume.volumeName },
      { op: 'replace', path: `/containers/${ci}/volumeMounts/${volume.mountIndex}/mountPath`, value: kind.defaultPath.slice(0, kind.defaultPath.lastIndexOf('/')) },
      ...(automountOff ? [{ op: 'add' as const, path: '/automountServiceAccountToken', value: true }] : []),
    ]);
  }
  if (!kind?.defaultPath && volume?.kind === 'projected' && volume.audience !== undefined && volume.volumeIndex >= 0) {
    const sourceIndex = (pod.spec?.volumes?.[volume.volumeIndex].projected?.sources ?? []).findIndex((s) => s.serviceAccountToken);
    // Without an audience the kubelet asks for the API audiences: the token then works against the API server.
    return patchPodTemplate(pod, [
      { op: 'test', path: `/volumes/${volume.volumeIndex}/name`, value: volume.volumeName },
      { op: 'remove', path: `/volumes/${volume.volumeIndex}/projected/sources/${sourceIndex}/serviceAccountToken/audience` },
    ]);
  }
  return [];
}

export const audience: Check = {
  id: 'audience',
  title: 'Token audience',
  specLevel: false,
  run,
  explain:
    'A token is only accepted by a verifier it names in aud. The API server accepts its --api-audiences (default: the issuer); ' +
    'a projected volume with audience: vault yields a token for Vault that the API server rejects ("token audiences ... is ' +
    'invalid for the target audiences ..."). Use one projected volume per audience, and leave the API token\'s audience unset.',
};
