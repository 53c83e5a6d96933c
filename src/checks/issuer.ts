/**
 * issuer (seed step 7): the token's issuer is one the API server accepts. Every
 * --service-account-issuer is accepted (the first one signs); the discovery document shows the
 * first. A token minted under an old issuer keeps failing until the pod is re-created.
 */
import { LEGACY_ISSUER } from '../jwt/classify.js';
import type { CheckContext } from './context.js';
import { restartPod } from './fixes.js';
import { list, skipReason } from './format.js';
import type { Check } from './types.js';
import { fail, pass, skip, skipFor, warn, type Verdict } from './verdict.js';

async function run(ctx: CheckContext): Promise<Verdict> {
  const token = await ctx.data.token();
  if (!token.ok) return skipFor(token.why);
  const iss = token.value.token.issuer;
  const evidence = [`token iss: ${iss ?? '<none>'}`];
  if (token.value.token.type === 'legacy') {
    return pass(`a legacy Secret token: its issuer is always ${LEGACY_ISSUER} (see legacy-secret)`, evidence);
  }
  const [server, auth] = await Promise.all([ctx.data.apiServer(), ctx.data.authentication()]);
  const fix = ctx.podUnknown ? [] : restartPod(ctx.pod);
  if (server.ok) {
    const cfg = server.value;
    if (cfg.issuers) evidence.push(`accepted issuers: ${list(cfg.issuers)}`);
    if (cfg.discoveryIssuer) evidence.push(`discovery issuer: ${cfg.discoveryIssuer}`);
    if (cfg.signingIssuer) evidence.push(`signing issuer (iss of a token the API server issued now): ${cfg.signingIssuer}`);
    for (const u of cfg.unavailable ?? []) evidence.push(`not readable: ${u}`);
    evidence.push(...cfg.sources.map((s) => `source: ${s}`));
  } else {
    evidence.push(`API server settings: ${skipReason(server.why)}`);
  }
  const reviewSaysIssuer = auth.ok && !auth.value.authenticated && /issuer/i.test(auth.value.error ?? '');
  if (auth.ok && auth.value.error) evidence.push(`${auth.value.via}: ${auth.value.error}`);

  if (server.ok && server.value.issuers) {
    if (iss && server.value.issuers.includes(iss)) return pass(`issuer ${iss} is accepted by the API server`, evidence);
    return fail(`the token's issuer ${iss ?? '(none)'} is not one the API server accepts ${list(server.value.issuers)}`, evidence, fix);
  }
  if (reviewSaysIssuer) return fail(`the API server rejects the token's issuer ${iss}`, evidence, fix);
  const discovery = server.ok ? (server.value.discoveryIssuer ?? server.value.signingIssuer) : undefined;
  const from = server.ok && server.value.discoveryIssuer ? 'discovery document' : 'the iss of a token it issued now';
  if (discovery) {
    if (iss === discovery) return pass(`issuer ${iss} is the API server's (${from})`, evidence);
    if (auth.ok && auth.value.authenticated) return pass(`issuer ${iss} is accepted (an additional --service-account-issuer)`, evidence);
    if (auth.ok) return fail(`the token's issuer ${iss} differs from the API server's ${discovery} and the token does not authenticate`, evidence, fix);
    return warn(`the token's issuer ${iss} differs from the API server's ${discovery} (accepted only if it is an additional --service-account-issuer)`, evidence, fix);
  }
  if (auth.ok && auth.value.authenticated) return pass(`issuer ${iss} is accepted (the token authenticates)`, evidence);
  return skip(`cannot tell which issuers the API server accepts (${server.ok ? 'no issuer published' : skipReason(server.why)})`, evidence);
}

export const issuer: Check = {
  id: 'issuer',
  title: 'Token issuer',
  specLevel: false,
  run,
  explain:
    'The API server accepts tokens from every --service-account-issuer it is given (the first one signs new tokens) and ' +
    'publishes the first at /.well-known/openid-configuration. Changing the issuer without keeping the old one in the list ' +
    'breaks every token minted before the change until the pods are re-created.',
};
