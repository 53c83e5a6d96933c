/**
 * Folds audit events into per-workload aggregates, keyed by (problem, subject, pod). No event is kept:
 * each aggregate holds counters and capped sets, so memory grows with the number of workloads, not
 * with the size of the log.
 *
 * Counting a request once. Every stage of a request writes its own event (RequestReceived,
 * ResponseStarted for long-running ones, ResponseComplete, or Panic), all with the same auditID.
 * Remembering every auditID would make memory grow with the log, so a request is counted at the one
 * event that ends it (endpoints/filters/audit.go): ResponseComplete or Panic — or, for a refused token,
 * the single ResponseStarted event with code 401 that WithFailedAuthenticationAudit writes. When a
 * policy omits the ending stages altogether, the RequestReceived events are counted instead. The sums
 * are commutative, so files can be read in any order.
 */
import type { AuditEvent, Finding } from './annotations.js';
import type { TokenProblem } from './types.js';

/** Distinct values kept per list; past it the aggregate is marked truncated. */
export const MAX_DISTINCT = 32;

/** How an event counts its request (see the header). */
export type CountingRole = 'end' | 'received' | 'other';

/** Which events of a request count it (see the header). */
export function countingRole(ev: AuditEvent): CountingRole {
  switch (ev.stage) {
    case 'ResponseComplete':
    case 'Panic':
      return 'end';
    case 'ResponseStarted':
      return ev.responseStatus?.code === 401 ? 'end' : 'other';
    case 'RequestReceived':
      return 'received';
    default:
      return 'other';
  }
}

/** A capped counting map. */
class Counter {
  readonly counts = new Map<string, number>();
  truncated = false;
  add(key: string, n = 1): void {
    const c = this.counts.get(key);
    if (c !== undefined) this.counts.set(key, c + n);
    else if (this.counts.size < MAX_DISTINCT) this.counts.set(key, n);
    else this.truncated = true;
  }
  /** Most first, ties by key, so the output does not depend on the reading order. */
  sorted(): Array<[string, number]> {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

/** What one role's events tell (requests, agents, verbs), kept apart so either can be the answer. */
class Tally {
  requests = 0;
  unauthorized = 0;
  readonly agents = new Counter();
  readonly verbs = new Counter();
  add(ev: AuditEvent): void {
    this.requests++;
    if (ev.responseStatus?.code === 401) this.unauthorized++;
    this.agents.add(ev.userAgent ?? '');
    this.verbs.add(`${ev.verb ?? ''} ${resourceOf(ev)}`);
  }
}

/** `pods`, `pods/log`, `apps/deployments`, or the path of a non-resource request. */
export function resourceOf(ev: AuditEvent): string {
  const o = ev.objectRef;
  if (!o?.resource) return (ev.requestURI ?? '').split('?')[0] ?? '';
  const group = o.apiGroup ? `${o.apiGroup}/` : '';
  return `${group}${o.resource}${o.subresource ? `/${o.subresource}` : ''}`;
}

export class Aggregate {
  readonly end = new Tally();
  readonly received = new Tally();
  readonly sourceIPs = new Counter();
  readonly secrets = new Counter();
  firstSeen = Infinity;
  lastSeen = -Infinity;
  maxSecondsPastWarning: number | undefined;
  /**
   * Stale tokens: the warnafter (ms) of the token in use at lastSeen — received time minus the seconds
   * past warning. The largest one at that instant, so the result does not depend on reading order.
   */
  latestWarnAfter: number | undefined;

  constructor(readonly finding: Pick<Finding, 'problem' | 'subject' | 'namespace' | 'serviceAccount' | 'pod'>) {}

  add(ev: AuditEvent, f: Finding, at: number): void {
    const role = countingRole(ev);
    if (role === 'end') this.end.add(ev);
    else if (role === 'received') this.received.add(ev);
    for (const ip of ev.sourceIPs ?? []) this.sourceIPs.add(ip, role === 'end' ? 1 : 0);
    if (f.secret) this.secrets.add(f.secret, role === 'end' ? 1 : 0);
    if (at < this.firstSeen) this.firstSeen = at;
    if (f.secondsPastWarning !== undefined) {
      this.maxSecondsPastWarning = Math.max(this.maxSecondsPastWarning ?? 0, f.secondsPastWarning);
      const warnAfter = Math.floor(at / 1000) * 1000 - f.secondsPastWarning * 1000;
      if (at > this.lastSeen || (at === this.lastSeen && warnAfter > (this.latestWarnAfter ?? -Infinity))) {
        this.latestWarnAfter = warnAfter;
      }
    }
    if (at > this.lastSeen) this.lastSeen = at;
  }

  /** The tally that counts requests: the ending events, else (policy omitted them) the received ones. */
  get tally(): Tally {
    return this.end.requests > 0 ? this.end : this.received;
  }

  get truncated(): boolean {
    const t = this.tally;
    return t.agents.truncated || t.verbs.truncated || this.sourceIPs.truncated || this.secrets.truncated;
  }
}

export function aggregateKey(problem: TokenProblem, subject: string, pod: string, namespace: string): string {
  // The namespace matters when the subject is unknown (an invalidated token without a legacy-token annotation).
  return `${problem}\u0000${subject}\u0000${pod}\u0000${namespace}`;
}

/** All aggregates of a run plus the totals for the summary. */
export class Aggregator {
  readonly byKey = new Map<string, Aggregate>();
  events = 0;
  endEvents = 0;
  receivedEvents = 0;
  outsideWindow = 0;
  /**
   * Requests whose credential was refused (WithFailedAuthenticationAudit's one ResponseStarted 401
   * event, no user), by client: `<user agent>\u0000<source IP>`. Their token is not in the log: the
   * authenticator's annotations are dropped on a refusal (see annotations.ts).
   */
  readonly refused = new Counter();
  refusedTotal = 0;

  add(ev: AuditEvent, at: number, f: Finding | undefined): void {
    this.count(countingRole(ev));
    if (ev.stage === 'ResponseStarted' && ev.responseStatus?.code === 401 && !ev.user?.username) {
      this.refusedTotal++;
      this.refused.add(`${ev.userAgent ?? ''}\u0000${ev.sourceIPs?.[0] ?? ''}`);
    }
    if (!f) return;
    const key = aggregateKey(f.problem, f.subject, f.pod, f.namespace);
    let agg = this.byKey.get(key);
    if (!agg) {
      agg = new Aggregate({ problem: f.problem, subject: f.subject, namespace: f.namespace, serviceAccount: f.serviceAccount, pod: f.pod });
      this.byKey.set(key, agg);
    }
    agg.add(ev, f, at);
  }

  /** Counts an event in the window's totals only: one without a token finding, skimmed unparsed (line.ts). */
  count(role: CountingRole): void {
    this.events++;
    if (role === 'end') this.endEvents++;
    else if (role === 'received') this.receivedEvents++;
  }

  /** Requests in the whole window, by the same rule as each aggregate. */
  get requests(): number {
    return this.endEvents > 0 ? this.endEvents : this.receivedEvents;
  }
}
