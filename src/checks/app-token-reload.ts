/**
 * app-token-reload (seed step 8): does the app re-read its token after the kubelet rotates it?
 * The kubelet writes a new file on each rotation (mtime); an app that reads it moves its atime.
 * A file not read since the last rotation means the app holds an older token: past its warnafter
 * it is still accepted (extended expiration) but audited as stale, and without the extension it
 * expires after about an hour — the classic "401 after an hour" of apps that cache the token.
 *
 * Our own read of the token (exec `cat`, after the `stat`) moves the atime too, and on a relatime
 * mount fixes it until the next rotation. The reader remembers our reads (commands/own-reads.ts)
 * and hands us the atime from before ours, with `ownReadAt`: what the app did is then known up to
 * our read only. A read by anyone else (another machine) still counts as the app's.
 */
import type { CheckContext } from './context.js';
import { note, stopgap } from './fix-notes.js';
import { restartPod } from './fixes.js';
import { span, when } from './format.js';
import { containerStartedAt } from './spec.js';
import { refreshDue } from './token-rotation.js';
import type { Check } from './types.js';
import { fail, pass, skip, skipFor, warn, type Verdict } from './verdict.js';

/** client-go re-reads the token file every minute; give an app that long, and some, after a rotation. */
const REREAD_GRACE_MS = 2 * 60_000;

async function run(ctx: CheckContext): Promise<Verdict> {
  const [mounted, token] = await Promise.all([ctx.data.mountedToken(), ctx.data.token()]);
  if (!mounted.ok) return skipFor(mounted.why);
  const st = mounted.value.files.token;
  if (!st) return skip('not applicable: no token file to observe');
  if (token.ok && token.value.token.type !== 'bound') return skip(`not applicable: a ${token.value.token.type} token is not rotated`);
  const started = ctx.podUnknown ? undefined : containerStartedAt(ctx.pod, ctx.container.name);
  const read = st.atime.getTime() > st.mtime.getTime();
  const ours = st.ownReadAt;
  const evidence = [`token file written (last rotation): ${when(st.mtime, ctx.now)}`, `token file last read: ${read ? when(st.atime, ctx.now) : 'not since it was written'}`];
  if (ours) evidence[1] += `, as of satoken's own read ${when(ours, ctx.now)} (a read after that does not show until the next rotation)`;
  if (started) evidence.push(`container started: ${when(started, ctx.now)}`);

  // The first token is written before the container starts: a file not newer than that has not rotated.
  if (started && st.mtime.getTime() <= started.getTime() + 60_000) {
    return skip(`not applicable yet: the kubelet has not rotated the token since the container started ${span(ctx.now.getTime() - started.getTime())} ago`, evidence);
  }
  const sinceRotation = ctx.now.getTime() - st.mtime.getTime();
  if (read) return pass(`the app read the token after its last rotation (${span(ctx.now.getTime() - st.atime.getTime())} ago)`, evidence);
  if (sinceRotation < REREAD_GRACE_MS) return pass(`the token was rotated ${span(sinceRotation)} ago; the app has not needed it since`, evidence);
  // Our read came before the app had to re-read: whether it did since cannot show until the next rotation.
  const watched = ours ? ours.getTime() - st.mtime.getTime() : sinceRotation;
  if (watched < REREAD_GRACE_MS) {
    return skip(`unobservable until the next rotation: satoken read the token ${span(watched)} after the kubelet rotated it, before the app had to, and a read since would not move the access time`, evidence);
  }
  const notRead = ours
    ? `it had not read the file ${span(watched)} after the kubelet rotated it (${span(sinceRotation)} ago)`
    : `it has not read the file since the kubelet rotated it ${span(sinceRotation)} ago`;

  // Restarting only hands the app one more token to cache: the fix is in the app, the restart is
  // printed after it, labelled as what it is.
  const fix = [
    note(`the fix is in the app: re-read ${mounted.value.dir}/token before each API call, or use a client library that does (client-go, the official ones); no command does this`),
    ...(ctx.podUnknown ? [] : stopgap(restartPod(ctx.pod), 'a fresh token buys one more lifetime until the app re-reads its token')),
  ];
  const advice = 'make the app re-read the token file before each API call (every official client library does); restarting the pod only buys one more lifetime';
  if (!token.ok) {
    const what = ours ? `the app caches an older token: ${notRead}` : `the app has not read its token since the kubelet rotated it ${span(sinceRotation)} ago: it caches an older one`;
    return warn(`${what}; ${advice}`, evidence, fix);
  }
  const t = token.value.token;
  const issued = t.issuedAt ? new Date(t.issuedAt).getTime() : st.mtime.getTime();
  const lifetime = (t.warnAfter ? new Date(t.warnAfter).getTime() : t.expiresAt ? new Date(t.expiresAt).getTime() : issued) - issued;
  const extended = t.warnAfter !== null && t.expiresAt !== null && new Date(t.expiresAt).getTime() > new Date(t.warnAfter).getTime();
  // The app last read an earlier file: issued at the latest one kubelet period before this one,
  // so the lifetime of the token it holds ended at the latest one period + lifetime after that.
  const heldUntil = new Date(st.mtime.getTime() - refreshDue(new Date(0), lifetime).getTime() + lifetime);
  evidence.push(`the token the app holds: lifetime ended by ${when(heldUntil, ctx.now)}`);
  if (ctx.now > heldUntil) {
    if (extended) {
      return warn(
        `the app caches its token: ${notRead}, and the token it holds is past warnafter (still accepted thanks to extended expiration, audited as stale-token); ${advice}`,
        evidence,
        fix,
      );
    }
    return fail(`the app caches its token: the one it holds expired about ${span(ctx.now.getTime() - heldUntil.getTime())} ago, so its API calls get 401; ${advice}`, evidence, fix);
  }
  const seems = ours ? `the app seems to cache its token: ${notRead}` : `the app has not read its token since the rotation ${span(sinceRotation)} ago: it seems to cache it`;
  return warn(`${seems}, and the token it holds ends ${when(heldUntil, ctx.now)}; ${advice}`, evidence, fix);
}

export const appTokenReload: Check = {
  id: 'app-token-reload',
  title: 'App re-reads its token',
  specLevel: false,
  run,
  explain:
    'Projected tokens rotate: the kubelet writes a new one at 80 % of its lifetime. An app that reads the file once and caches ' +
    'it keeps an old token; with extended expiration (default) it keeps working for a year but is audited as stale-token, ' +
    'without it it gets 401 after about an hour. Client libraries re-read the file (client-go every minute).',
};
