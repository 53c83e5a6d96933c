/**
 * token-rotation (seed steps 5 and 9): is the kubelet refreshing the projected token? It does so
 * when the token is older than 80 % of its lifetime or 24 h (pkg/kubelet/token/token_manager.go);
 * when it cannot, the old token stays until it expires and the mount fails with a FailedMount
 * "failed to fetch token" Event.
 */
import type { CheckContext } from './context.js';
import { restartPod } from './fixes.js';
import { span, when } from './format.js';
import { tokenVolume } from './spec.js';
import { FETCH_TOKEN_FAILED } from './token-mounted.js';
import type { Check } from './types.js';
import { fail, pass, skip, skipFor, warn, type Verdict } from './verdict.js';

/** The kubelet checks its tokens about once a minute; allow a few minutes before calling a refresh overdue. */
const GRACE_MS = 5 * 60_000;
const DAY_MS = 24 * 3600_000;
/** The API server's clock-skew leeway on exp. */
const LEEWAY_MS = 60_000;

/** When the kubelet wants a new token: 80 % of the TTL, or 24 h, after issue. */
export function refreshDue(issuedAt: Date, ttlMs: number): Date {
  return new Date(issuedAt.getTime() + Math.min(0.8 * ttlMs, DAY_MS));
}

async function run(ctx: CheckContext): Promise<Verdict> {
  const volume = ctx.podUnknown ? undefined : tokenVolume(ctx.pod, ctx.container);
  if (volume && volume.kind !== 'projected') return skip(`not applicable: the token comes from ${volume.kind === 'secret' ? `Secret ${volume.secretName}` : `volume ${volume.volumeName}`}, which the kubelet does not rotate`);
  const evidence: string[] = [];
  if (volume) evidence.push(`volume ${volume.volumeName}: expirationSeconds ${volume.expirationSeconds ?? 3600}`);
  const nodeName = ctx.pod.spec?.nodeName;
  const fix = ctx.podUnknown ? [] : restartPod(ctx.pod);

  const events = ctx.podUnknown ? undefined : await ctx.data.podEvents();
  const failures = events?.ok ? events.value.filter((e) => FETCH_TOKEN_FAILED.test(e.message ?? '')) : [];
  for (const e of failures.slice(-2)) evidence.push(`event ${e.reason} (x${e.count ?? 1}, last ${when(e.lastTimestamp ?? e.eventTime, ctx.now)}): ${e.message}`);

  const token = await ctx.data.token();
  if (!token.ok) {
    if (failures.length) return fail(`the kubelet fails to fetch a new token: ${failures[failures.length - 1].message}`, evidence, fix);
    return skipFor(token.why, evidence);
  }
  const t = token.value.token;
  if (t.type !== 'bound') return skip(`not applicable: a ${t.type} token is not rotated by the kubelet`, evidence);
  if (!t.issuedAt || !t.expiresAt) return skip('not applicable: the token has no iat/exp to judge its age by', evidence);
  const issued = new Date(t.issuedAt);
  const expires = new Date(t.expiresAt);
  // The kubelet's TTL is the TokenRequest's expirationTimestamp: warnafter for an extended token, else exp.
  const lifetimeEnd = t.warnAfter ? new Date(t.warnAfter) : expires;
  const ttl = lifetimeEnd.getTime() - issued.getTime();
  const due = refreshDue(issued, ttl);
  const age = ctx.now.getTime() - issued.getTime();
  evidence.push(`issued: ${when(issued, ctx.now)} (age ${span(age)}, lifetime ${span(ttl)})`, `refresh due: ${when(due, ctx.now)}`, `expires: ${when(expires, ctx.now)}`);
  const mounted = await ctx.data.mountedToken();
  const mtime = mounted.ok ? mounted.value.files.token?.mtime : undefined;
  if (mtime) evidence.push(`token file written: ${when(mtime, ctx.now)}`);
  const on = nodeName ? ` on node ${nodeName}` : '';

  if (ctx.now.getTime() > expires.getTime() + LEEWAY_MS) {
    return fail(`the token expired ${span(ctx.now.getTime() - expires.getTime())} ago and was not refreshed: the kubelet${on} has stopped rotating it`, evidence, fix);
  }
  if (failures.length) return fail(`the kubelet fails to fetch a new token: ${failures[failures.length - 1].message}`, evidence, fix);
  if (ctx.now.getTime() > due.getTime() + GRACE_MS) {
    const stale = t.warnAfter && ctx.now > lifetimeEnd ? ' and past warnafter (audited as stale)' : '';
    return warn(`the token is overdue for refresh since ${span(ctx.now.getTime() - due.getTime())}${stale}: the kubelet${on} is not rotating it`, evidence, fix);
  }
  const left = due.getTime() - ctx.now.getTime();
  return pass(`the token is ${span(age)} old; the kubelet refreshes it ${left > 0 ? `in ${span(left)}` : 'now'}`, evidence);
}

export const tokenRotation: Check = {
  id: 'token-rotation',
  title: 'Token rotation',
  // In a scan it still reads FailedMount events; the token's age needs the token.
  specLevel: true,
  run,
  explain:
    'The kubelet refreshes a projected token when it is older than 80 % of its lifetime or 24 h, writing a new file. ' +
    'With extended expiration (the default) the injected token is valid a year but its lifetime for rotation is 3607 s. ' +
    'If the kubelet cannot reach the API server (or the node is NotReady) the old token stays until it expires.',
};
