/**
 * diagnose --audit-log: which tokens one pod presented to the API server, as kube-apiserver's audit
 * log recorded its requests. This is what app-token-reload judges the app by: on a real node the
 * token file's access time cannot show the app's reads (the container's mount is read-only).
 *
 * Upstream writes, on each request authenticated by a ServiceAccount token:
 * - user.extra `authentication.kubernetes.io/credential-id` = `JTI=<the token's jti>` (k/k
 *   pkg/serviceaccount/claims.go Validate sets CredentialID; k8s.io/apiserver
 *   pkg/authentication/serviceaccount/util.go UserInfo puts it in the extras), and
 *   `authentication.kubernetes.io/pod-name` for a pod-bound token;
 * - the annotation `authentication.k8s.io/stale-token` when the token is past its warnafter
 *   (claims.go): the kubelet replaces a token at 80 % of that, so only a cached one gets there.
 * A request is counted once, at the event that ends it (audit/aggregate.ts countingRole); the
 * RequestReceived events stand in where a policy omits the ending stages.
 */
import { got, type Fetched, type TokenUse, type TokenUses } from '../../checks/context.js';
import { type AuditEvent, STALE_TOKEN, POD_NAME_EXTRA } from '../audit/annotations.js';
import { countingRole } from '../audit/aggregate.js';

export const CREDENTIAL_ID_EXTRA = 'authentication.kubernetes.io/credential-id';
export const POD_UID_EXTRA = 'authentication.kubernetes.io/pod-uid';

/** Distinct tokens kept per pod: a pod holds one or two at a time; a hostile log gets no further. */
const MAX_TOKENS = 32;

class Tally {
  readonly tokens = new Map<string, TokenUse>();
  requests = 0;
  truncated = false;
  add(credential: string, at: string, stale: boolean): void {
    this.requests++;
    let t = this.tokens.get(credential);
    if (!t) {
      if (this.tokens.size >= MAX_TOKENS) {
        this.truncated = true;
        return;
      }
      t = { credential, count: 0, first: at, last: at, stale: 0 };
      this.tokens.set(credential, t);
    }
    t.count++;
    if (at < t.first) t.first = at;
    if (at > t.last) t.last = at;
    if (stale) {
      t.stale++;
      if (!t.lastStale || at > t.lastStale) t.lastStale = at;
    }
  }
  result(): TokenUses {
    return { requests: this.requests, tokens: [...this.tokens.values()].sort((a, b) => (a.last < b.last ? 1 : a.last > b.last ? -1 : 0)), ...(this.truncated ? { truncated: true } : {}) };
  }
}

/** Folds the events of one pod's requests (`who`) into the tokens they carried. */
export class TokenUseFold {
  private readonly ended = new Tally();
  private readonly received = new Tally();
  constructor(private readonly who: { username: string; podName: string; podUid?: string }) {}

  add(e: AuditEvent): void {
    if (e?.user?.username !== this.who.username) return;
    const extra = e.user.extra ?? {};
    // Only pod-bound tokens name their pod: a legacy Secret token is the ServiceAccount's, not this pod's.
    if (extra[POD_NAME_EXTRA]?.[0] !== this.who.podName) return;
    const uid = extra[POD_UID_EXTRA]?.[0];
    if (this.who.podUid && typeof uid === 'string' && uid !== this.who.podUid) return; // an earlier pod of the same name
    const at = typeof e.requestReceivedTimestamp === 'string' ? e.requestReceivedTimestamp : undefined;
    if (!at || Number.isNaN(Date.parse(at))) return;
    const credential = typeof extra[CREDENTIAL_ID_EXTRA]?.[0] === 'string' ? extra[CREDENTIAL_ID_EXTRA][0] : '';
    const role = countingRole(e);
    const stale = typeof e.annotations?.[STALE_TOKEN] === 'string';
    if (role === 'end') this.ended.add(credential, at, stale);
    else if (role === 'received') this.received.add(credential, at, stale);
  }

  result(): Fetched<TokenUses> {
    return got(this.ended.requests > 0 ? this.ended.result() : this.received.result());
  }
}
