/**
 * app-token-reload (seed step 8): does the app re-read its token after the kubelet rotates it?
 * An app that reads the file once and caches it holds an older token after each rotation: past its
 * warnafter it is still accepted (extended expiration) but audited as stale, and without the
 * extension it expires after about an hour — the classic "401 after an hour" of apps that cache it.
 *
 * What can show it. The API server's audit log (diagnose --audit-log): each request names the token
 * it carried (credential-id `JTI=…`) and is annotated stale-token past warnafter (token-uses.ts).
 * The token file's access time only where a read in the container can move it: the kubelet mounts
 * secret, configMap, downwardAPI and projected volumes read-only, and Linux moves no atime on a read
 * through a read-only mount (fs/inode.c touch_atime needs write access to the mount) — while the
 * kubelet reads every file back through its own writable mount on each volume sync (k/k
 * pkg/volume/util/atomic_writer.go shouldWriteFile), which moves the atime after every rotation
 * whatever the app does. So for the usual token volume the atime says nothing of the app: without
 * an audit log the check skips and says what would decide it.
 *
 * On a writable mount (a token copied into an emptyDir, say) the atime is judged as before: our own
 * read of the token (exec `cat`, after the `stat`) moves it too, and on a relatime mount fixes it
 * until the next rotation. The reader remembers our reads (commands/own-reads.ts) and hands us the
 * atime from before ours, with `ownReadAt`: what the app did is then known up to our read only.
 */
import type { CheckContext, ContainerToken, Fetched, FileStat, TokenUses } from './context.js';
import type { TokenInspection } from '../jwt/types.js';
import { note, stopgap } from './fix-notes.js';
import { restartPod } from './fixes.js';
import { span, when } from './format.js';
import { containerStartedAt, tokenMountReadOnly, tokenVolume } from './spec.js';
import { refreshDue } from './token-rotation.js';
import type { Check } from './types.js';
import { fail, pass, skip, skipFor, warn, type Verdict } from './verdict.js';

/** client-go re-reads the token file every minute; give an app that long, and some, after a rotation. */
const REREAD_GRACE_MS = 2 * 60_000;

type Token = TokenInspection['token'];

async function run(ctx: CheckContext): Promise<Verdict> {
  const [mounted, token] = await Promise.all([ctx.data.mountedToken(), ctx.data.token()]);
  if (!mounted.ok) return skipFor(mounted.why);
  const st = mounted.value.files.token;
  if (!st) return skip('not applicable: no token file to observe');
  if (token.ok && token.value.token.type !== 'bound') return skip(`not applicable: a ${token.value.token.type} token is not rotated`);
  const started = ctx.podUnknown ? undefined : containerStartedAt(ctx.pod, ctx.container.name);
  const mount = ctx.podUnknown ? undefined : tokenMountReadOnly(ctx.pod, ctx.container);
  const atimeShows = mount?.readOnly === false;
  const evidence = [`token file written (last rotation): ${when(st.mtime, ctx.now)}`];
  if (atimeShows) {
    const read = st.atime.getTime() > st.mtime.getTime();
    evidence.push(`token file last read: ${read ? when(st.atime, ctx.now) : 'not since it was written'}`);
    if (st.ownReadAt) evidence[1] += `, as of satoken's own read ${when(st.ownReadAt, ctx.now)} (a read after that does not show until the next rotation)`;
  } else {
    // A read through a read-only mount leaves the atime alone; the kubelet's read-back moves it.
    evidence.push(`token file access time: not the app's reads (${mount ? mount.why : 'the pod spec is not known'})`);
  }
  if (started) evidence.push(`container started: ${when(started, ctx.now)}`);

  // The first token is written before the container starts: a file not newer than that has not rotated.
  if (started && st.mtime.getTime() <= started.getTime() + 60_000) {
    return skip(`not applicable yet: the kubelet has not rotated the token since the container started ${span(ctx.now.getTime() - started.getTime())} ago`, evidence);
  }
  const t = token.ok ? token.value.token : undefined;
  const uses = ctx.data.tokenUses ? await ctx.data.tokenUses() : undefined;
  if (uses?.ok) {
    const others = ctx.data.podTokens && !ctx.podUnknown && (ctx.pod.spec?.containers?.length ?? 0) > 1 ? await ctx.data.podTokens() : undefined;
    return byAuditLog(ctx, st, t, uses.value, evidence, mounted.value.dir, others);
  }
  if (atimeShows) return byAccessTime(ctx, st, t, evidence, mounted.value.dir);
  if (uses) return skipFor(uses.why, evidence);
  return skip(
    `not observable from the pod: ${mount ? mount.why : 'the token\'s mount is not known'}, so the token file's access time does not show the app's reads; diagnose --audit-log FILE (kube-apiserver's audit log) shows which token the app presents`,
    evidence,
  );
}

/** The fix for an app that caches its token: in the app; a restart only as a stopgap. */
function cachingFix(ctx: CheckContext, dir: string): string[] {
  // Restarting only hands the app one more token to cache: the fix is in the app, the restart is
  // printed after it, labelled as what it is.
  return [
    note(`the fix is in the app: re-read ${dir}/token before each API call, or use a client library that does (client-go, the official ones); no command does this`),
    ...(ctx.podUnknown ? [] : stopgap(restartPod(ctx.pod), 'a fresh token buys one more lifetime until the app re-reads its token')),
  ];
}

const ADVICE = 'make the app re-read the token file before each API call (every official client library does); restarting the pod only buys one more lifetime';

/** When the lifetime of the token before the current file ended: the one an app that did not re-read holds. */
function heldUntilOf(st: FileStat, t: Token): Date {
  const issued = t.issuedAt ? new Date(t.issuedAt).getTime() : st.mtime.getTime();
  const lifetime = (t.warnAfter ? new Date(t.warnAfter).getTime() : t.expiresAt ? new Date(t.expiresAt).getTime() : issued) - issued;
  // The app last read an earlier file: issued at the latest one kubelet period before this one,
  // so the lifetime of the token it holds ended at the latest one period + lifetime after that.
  return new Date(st.mtime.getTime() - refreshDue(new Date(0), lifetime).getTime() + lifetime);
}

/**
 * Judged by the requests the pod made after the app had to re-read (the last rotation + grace):
 * one audited stale-token, or carrying a token other than the file's, shows a cached token; all
 * carrying the file's token shows a re-read.
 *
 * The audit log names the pod and the token of a request, never the container. With the tokens the
 * pod's other containers hold now (podTokens), the requests are told apart per container: a token
 * no container holds now is a cached one, held by a container that does not present its current
 * token since the rotation (a container that does re-reads). Containers that hold one token (one
 * volume, or volumes asking for the same token) cannot be told apart: the verdict names them all.
 */
function byAuditLog(ctx: CheckContext, st: FileStat, t: Token | undefined, uses: TokenUses, evidence: string[], dir: string, others: Fetched<ContainerToken[]> | undefined): Verdict {
  const since = st.mtime.getTime() + REREAD_GRACE_MS;
  const current = t?.jti ? `JTI=${t.jti}` : undefined;
  const after = uses.tokens.filter((u) => Date.parse(u.last) > since);
  const newest = (xs: string[]) => xs.reduce((a, b) => (b > a ? b : a));
  evidence.push(`audit log: ${uses.requests} request(s) of this pod's, ${uses.tokens.length}${uses.truncated ? '+' : ''} token(s); since ${when(new Date(since), ctx.now)}: ${after.reduce((n, u) => n + u.count, 0) > 0 ? `${after.length} token(s), the newest request ${when(newest(after.map((u) => u.last)), ctx.now)}` : 'none'}`);
  const rotated = `the kubelet rotated the file ${span(ctx.now.getTime() - st.mtime.getTime())} ago`;
  const pod = current && others ? podHolders(ctx, current, others, evidence) : undefined;
  const held = pod ? pod.held : new Set(current ? [current] : []);
  const stale = after.filter((u) => u.lastStale && Date.parse(u.lastStale) > since);
  const older = current ? after.filter((u) => u.credential !== '' && !held.has(u.credential) && !stale.includes(u)) : [];
  if (stale.length > 0 || older.length > 0) {
    const presents = (cred: string) => after.some((u) => u.credential === cred);
    const who = pod ? cachedBy(pod, presents) : { self: true, others: [] as string[] };
    const what = stale.length > 0
      ? `its requests as late as ${when(newest(stale.map((u) => u.lastStale!)), ctx.now)} were audited stale-token (a token past its warnafter, which the kubelet had replaced; still accepted thanks to extended expiration)`
      : `its requests as late as ${when(newest(older.map((u) => u.last)), ctx.now)} carried a token ${pod ? 'no container of the pod holds now' : 'other than the file\'s'}`;
    if (!who.self) {
      const last = newest(after.filter((u) => u.credential === current).map((u) => u.last));
      return pass(`this container presents its current token: its requests since the last rotation carry the file's token (credential-id), the newest ${when(last, ctx.now)}; the older token the pod presents is another container's (${who.others.join(', ')})`, evidence);
    }
    if (who.others.length === 0) return warn(`the app caches its token: ${what}, though ${rotated}; ${ADVICE}`, evidence, cachingFix(ctx, dir));
    const alike = pod!.sharers.length > 0 ? `; it holds the same token as ${pod!.sharers.join(', ')}, so their requests look alike` : '';
    return warn(
      `an app of this pod caches its token, in this container or in ${who.others.join(', ')} (the audit log names the pod, not the container${alike}): ${what.replace(/^its/, 'the pod\'s')}, though ${rotated}; ${ADVICE}`,
      evidence,
      cachingFix(ctx, dir),
    );
  }
  if (after.length === 0 && since > ctx.now.getTime()) {
    return skip(`not observable yet: ${rotated}, and an app gets ${span(REREAD_GRACE_MS)} to re-read it (until ${when(new Date(since), ctx.now)})`, evidence);
  }
  if (after.length === 0) {
    return skip(`not observable yet: the audit log has no request of this pod's since ${when(new Date(since), ctx.now)} (the last rotation and the ${span(REREAD_GRACE_MS)} an app gets to re-read), so nothing shows which token it presents now`, evidence);
  }
  const last = newest(after.map((u) => u.last));
  if (current && after.every((u) => u.credential === current)) {
    return pass(`the app presents the current token: its requests since the last rotation carry the file's token (credential-id), the newest ${when(last, ctx.now)}`, evidence);
  }
  if (current && pod) {
    const mine = after.filter((u) => u.credential === current);
    if (mine.length > 0) {
      return pass(`the app presents the current token: its requests since the last rotation carry the file's token (credential-id), the newest ${when(newest(mine.map((u) => u.last)), ctx.now)}`, evidence);
    }
    // Only the other containers' current tokens: this one made no request, or its cached token has
    // expired, and a request with an expired token is refused (401) before it has a user, so the
    // audit log cannot name its pod (k8s.io/apiserver pkg/endpoints/filters/authn_audit.go).
    return skip(
      `not observable: since ${when(new Date(since), ctx.now)} the pod's requests carry the other containers' current tokens and none this container's: it makes no API calls, or it holds a token that has expired, whose requests the API server refuses (401) without naming the pod in the audit log; see the app's own log for 401s`,
      evidence,
    );
  }
  // No credential ids (an older API server): a request after the previous token's warnafter that
  // was not audited stale-token carried a newer token.
  const heldUntil = t ? heldUntilOf(st, t) : undefined;
  if (heldUntil && after.some((u) => Date.parse(u.last) > heldUntil.getTime())) {
    return pass(`the app presents a fresh token: its requests after the previous token's warnafter (${when(heldUntil, ctx.now)}) were not audited stale-token, the newest ${when(last, ctx.now)}`, evidence);
  }
  return skip(`not observable yet: the audit log names no token for this pod's requests, and none came after ${heldUntil ? when(heldUntil, ctx.now) : 'the previous token\'s warnafter'}, when a cached token would be audited stale-token`, evidence);
}

/** Who in the pod holds which token now: this container, and each other container with a token mounted. */
interface PodHolders {
  /** The credentials some container holds now (this one's included). */
  held: Set<string>;
  /** Containers that hold this container's token (one volume, or the same TokenRequest). */
  sharers: string[];
  /** The other containers by the token they hold; `undefined` when not known. */
  others: Array<{ container: string; credential?: string }>;
  current: string;
}

function podHolders(ctx: CheckContext, current: string, fetched: Fetched<ContainerToken[]>, evidence: string[]): PodHolders {
  const own = tokenVolume(ctx.pod, ctx.container)?.volumeName;
  // Not read: every other container with a token mounted is one whose token is not known.
  const list: ContainerToken[] = fetched.ok
    ? fetched.value
    : (ctx.pod.spec?.containers ?? []).flatMap((c) => {
        const tv = c.name === ctx.container.name ? undefined : tokenVolume(ctx.pod, c);
        return tv?.kind === 'projected' ? [{ container: c.name, volume: tv.volumeName }] : [];
      });
  const others = list.map((o) => ({ container: o.container, credential: o.volume === own ? current : o.credential }));
  const sharers = others.filter((o) => o.credential === current).map((o) => o.container);
  if (!fetched.ok) evidence.push(`the other containers' tokens: not known (${fetched.why.message})`);
  for (const o of list) {
    const c = others.find((x) => x.container === o.container)!;
    evidence.push(`container ${o.container}: ${c.credential === current ? 'holds this container\'s token' : c.credential ? 'holds a token of its own' : `its token is not known${o.why ? ` (${o.why})` : ''}`}`);
  }
  return { held: new Set([current, ...others.flatMap((o) => (o.credential ? [o.credential] : []))]), sharers, others, current };
}

/**
 * Which containers may hold the older token the pod presented: those that did not present their
 * current token since the rotation (one that did re-reads), those whose token is not known, and
 * those that share a token (one of them may re-read while another caches). When that leaves none,
 * a container that presents its current token also presents an older one: any may.
 */
function cachedBy(pod: PodHolders, presents: (credential: string) => boolean): { self: boolean; others: string[] } {
  const group = (cred: string | undefined) => (cred === undefined ? 0 : [pod.current, ...pod.others.map((o) => o.credential)].filter((c) => c === cred).length);
  const suspect = (cred: string | undefined) => cred === undefined || !presents(cred) || group(cred) > 1;
  const self = suspect(pod.current);
  const others = pod.others.filter((o) => suspect(o.credential)).map((o) => o.container);
  if (self || others.length > 0) return { self, others };
  return { self: true, others: pod.others.map((o) => o.container) };
}

/** Judged by the token file's access time: only where a read in the container moves it (a writable mount). */
function byAccessTime(ctx: CheckContext, st: FileStat, t: Token | undefined, evidence: string[], dir: string): Verdict {
  const read = st.atime.getTime() > st.mtime.getTime();
  const ours = st.ownReadAt;
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
  const fix = cachingFix(ctx, dir);
  if (!t) {
    const what = ours ? `the app caches an older token: ${notRead}` : `the app has not read its token since the kubelet rotated it ${span(sinceRotation)} ago: it caches an older one`;
    return warn(`${what}; ${ADVICE}`, evidence, fix);
  }
  const extended = t.warnAfter !== null && t.expiresAt !== null && new Date(t.expiresAt).getTime() > new Date(t.warnAfter).getTime();
  const heldUntil = heldUntilOf(st, t);
  evidence.push(`the token the app holds: lifetime ended by ${when(heldUntil, ctx.now)}`);
  if (ctx.now > heldUntil) {
    if (extended) {
      return warn(
        `the app caches its token: ${notRead}, and the token it holds is past warnafter (still accepted thanks to extended expiration, audited as stale-token); ${ADVICE}`,
        evidence,
        fix,
      );
    }
    return fail(`the app caches its token: the one it holds expired about ${span(ctx.now.getTime() - heldUntil.getTime())} ago, so its API calls get 401; ${ADVICE}`, evidence, fix);
  }
  const seems = ours ? `the app seems to cache its token: ${notRead}` : `the app has not read its token since the rotation ${span(sinceRotation)} ago: it seems to cache it`;
  return warn(`${seems}, and the token it holds ends ${when(heldUntil, ctx.now)}; ${ADVICE}`, evidence, fix);
}

export const appTokenReload: Check = {
  id: 'app-token-reload',
  title: 'App re-reads its token',
  specLevel: false,
  run,
  explain:
    'Projected tokens rotate: the kubelet writes a new one at 80 % of its lifetime. An app that reads the file once and caches ' +
    'it keeps an old token; with extended expiration (default) it keeps working for a year but is audited as stale-token, ' +
    'without it it gets 401 after about an hour. Client libraries re-read the file (client-go every minute). Judged by the ' +
    'audit log (--audit-log: which token each request carried); the file\'s access time shows nothing on the usual ' +
    'read-only token mount.',
};
