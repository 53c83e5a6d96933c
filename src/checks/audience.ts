/**
 * audience (seed step 7): the token's audiences include one the API server accepts
 * (--api-audiences, which defaults to the issuer). Custom projected tokens for third parties
 * (Vault, a cloud) are listed: a token for them is meant NOT to work against the API server.
 */
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
  let apiAudiences: string[] | undefined;
  let source = '';
  if (server.ok && server.value.apiAudiences) {
    apiAudiences = server.value.apiAudiences;
    source = server.value.sources.find((s) => s.includes('api-audiences')) ?? 'kube-apiserver flags';
  } else if (auth.ok && targetAudiencesFromError(auth.value.error)) {
    apiAudiences = targetAudiencesFromError(auth.value.error);
    source = 'TokenReview status.error';
  } else if (auth.ok && auth.value.authenticated && auth.value.audiences?.length) {
    apiAudiences = auth.value.audiences;
    source = 'TokenReview status.audiences';
  } else if (server.ok && (server.value.issuers?.[0] ?? server.value.discoveryIssuer)) {
    // --api-audiences defaults to the first issuer when it is not set.
    apiAudiences = [(server.value.issuers?.[0] ?? server.value.discoveryIssuer)!];
    source = 'default: the issuer (--api-audiences not seen)';
  }
  if (!apiAudiences) {
    if (auth.ok && auth.value.authenticated) return pass('the token authenticates, so its audience is accepted', evidence);
    return skip(`cannot tell the API server's audiences (${server.ok ? 'not published' : skipReason(server.why)})`, evidence);
  }
  evidence.push(`API audiences: ${list(apiAudiences)} (${source})`);
  if (auth.ok && auth.value.authenticated) return pass(`the token's audience is accepted by the API server`, evidence);
  if (aud.some((a) => apiAudiences!.includes(a))) return pass(`the token's audiences include the API server's`, evidence);

  const volume = ctx.podUnknown ? undefined : tokenVolume(ctx.pod, ctx.container);
  let fix: string[] = [];
  if (volume?.kind === 'projected' && volume.audience !== undefined && volume.volumeIndex >= 0) {
    const sourceIndex = (ctx.pod.spec?.volumes?.[volume.volumeIndex].projected?.sources ?? []).findIndex((s) => s.serviceAccountToken);
    // Without an audience the kubelet asks for the API audiences: the token then works against the API server.
    fix = patchPodTemplate(ctx.pod, [
      { op: 'test', path: `/volumes/${volume.volumeIndex}/name`, value: volume.volumeName },
      { op: 'remove', path: `/volumes/${volume.volumeIndex}/projected/sources/${sourceIndex}/serviceAccountToken/audience` },
    ]);
  }
  return fail(
    `the token's audiences ${list(aud)} do not include the API server's ${list(apiAudiences)}: the API server refuses it` +
      (volume?.audience ? ` (volume ${volume.volumeName} asks for audience ${volume.audience}; a token for a third party belongs at another path)` : ''),
    evidence,
    fix,
  );
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
