/**
 * token-claims (seed steps 3 and 5): the mounted token decodes, and its times, subject and bound
 * pod are what the API server will accept for this pod. The JWT core judges the token; this check
 * adds what only the pod knows (its ServiceAccount, its uid).
 */
import type { FindingId } from '../jwt/types.js';
import type { CheckContext } from './context.js';
import { restartPod } from './fixes.js';
import { list, when } from './format.js';
import { podRef, serviceAccountName } from './spec.js';
import type { Check } from './types.js';
import { fail, pass, skipFor, warn, type Verdict } from './verdict.js';

/** The JWT core's findings this check owns; audience, issuer, staleness and legacy have their own checks. */
const OWNED: FindingId[] = ['token-expired', 'token-not-yet-valid', 'subject-malformed', 'claims-missing', 'signature-invalid'];

async function run(ctx: CheckContext): Promise<Verdict> {
  const token = await ctx.data.token();
  if (!token.ok) {
    if (token.why.kind === 'invalid') return fail(`the mounted token cannot be decoded: ${token.why.message}`, [], ctx.podUnknown ? [] : restartPod(ctx.pod));
    return skipFor(token.why);
  }
  const t = token.value.token;
  const evidence = [
    `type: ${t.type}`,
    `iss: ${t.issuer ?? '<none>'}`,
    `sub: ${t.subject ?? '<none>'}`,
    `aud: ${list(t.audiences)}`,
    `iat: ${when(t.issuedAt, ctx.now)}`,
    `exp: ${when(t.expiresAt, ctx.now)}`,
  ];
  if (t.warnAfter) evidence.push(`warnafter: ${when(t.warnAfter, ctx.now)}`);
  if (t.boundObject) evidence.push(`bound to: ${t.boundObject.kind} ${t.boundObject.name ?? '?'}${t.boundObject.uid ? ` (uid ${t.boundObject.uid})` : ''}`);
  if (token.value.verification.status !== 'not-checked') evidence.push(`signature: ${token.value.verification.status} (${token.value.verification.reason})`);
  const fix = ctx.podUnknown ? [] : restartPod(ctx.pod);

  if (t.type === 'external') {
    return fail(`the mounted token is not a Kubernetes ServiceAccount token (issuer ${t.issuer ?? 'none'})`, evidence, fix);
  }
  const errors = token.value.findings.filter((f) => OWNED.includes(f.id) && f.severity === 'error');
  if (errors.length > 0) return fail(errors.map((f) => f.message).join('; '), evidence, fix);

  if (!ctx.podUnknown) {
    const { namespace, name } = podRef(ctx.pod);
    const saName = serviceAccountName(ctx.pod);
    const expected = `system:serviceaccount:${namespace}:${saName}`;
    if (t.subject !== expected) {
      return fail(`the token belongs to ${t.subject ?? 'no subject'}, but the pod runs as ${expected}`, evidence, fix);
    }
    const bound = t.boundObject;
    if (t.type === 'bound' && bound?.kind === 'Pod') {
      const uid = ctx.pod.metadata?.uid;
      if (bound.name !== name || (bound.uid && uid && bound.uid !== uid)) {
        return fail(`the token is bound to pod ${bound.name} (uid ${bound.uid}), not to this pod (uid ${uid}): it was copied or the pod re-created`, evidence, fix);
      }
    }
  }
  const warnings = token.value.findings.filter((f) => OWNED.includes(f.id) && f.severity === 'warning');
  if (warnings.length > 0) return warn(warnings.map((f) => f.message).join('; '), evidence);
  const life = t.expiresAt ? `valid until ${when(t.expiresAt, ctx.now)}` : 'no expiry (legacy token)';
  return pass(`the token decodes; ${life}; subject and bound pod match`, evidence);
}

export const tokenClaims: Check = {
  id: 'token-claims',
  title: 'Token claims',
  specLevel: false,
  run,
  explain:
    'A projected token is a JWT: iss is the API server\'s issuer, sub system:serviceaccount:<ns>:<sa>, aud the audiences it is ' +
    'for, exp its expiry, and the private claim kubernetes.io binds it to this pod (name and uid). The API server checks ' +
    'times with 60 s leeway and refuses a token bound to a pod that no longer exists.',
};
