/**
 * diagnose --audit-log: the requests of one pod's ServiceAccount that the API server answered with
 * 403, read from kube-apiserver audit logs (audit.k8s.io/v1 Events, JSON lines, gzip or not).
 * This is what makes a missing right a finding without --can: the app was seen asking for it.
 * The same pass collects the tokens the pod presented (token-uses.ts), for app-token-reload.
 *
 * Only lines naming the ServiceAccount's user are parsed (a byte search picks them). An event
 * whose user.extra names another pod (the pod a bound token belongs to) is another replica's and
 * is left out; one without it (a legacy Secret token) is the ServiceAccount's and counts.
 */
import { got, missing, type DeniedRequest, type Fetched, type TokenUses } from '../../checks/context.js';
import type { AccessAttributes } from '../../kube/types.js';
import { POD_NAME_EXTRA } from '../audit/annotations.js';
import { eachLine, type LogSource } from '../audit/read.js';
import { TokenUseFold } from './token-uses.js';

/** Distinct denied requests kept: enough to name what the app lacks, bounded for a hostile log. */
const MAX_DISTINCT = 50;

/** Folds one pod's refused requests (`who`) by what they asked. */
export class DeniedFold {
  private readonly found = new Map<string, DeniedRequest>();
  constructor(private readonly who: { username: string; podName: string }) {}

  add(e: any): void {
    const who = this.who;
    const found = this.found;
    if (e?.responseStatus?.code !== 403 || e?.user?.username !== who.username) return;
    const pod = e.user?.extra?.[POD_NAME_EXTRA]?.[0];
    if (typeof pod === 'string' && pod !== who.podName) return;
    const ref = e.objectRef;
    if (typeof e.verb !== 'string' || typeof ref?.resource !== 'string') return; // non-resource URLs: no Role grants them by name here
    const attrs: AccessAttributes = {
      verb: e.verb,
      resource: ref.resource,
      ...(typeof ref.apiGroup === 'string' && ref.apiGroup ? { group: ref.apiGroup } : {}),
      ...(typeof ref.subresource === 'string' && ref.subresource ? { subresource: ref.subresource } : {}),
      ...(typeof ref.namespace === 'string' && ref.namespace ? { namespace: ref.namespace } : {}),
    };
    const key = JSON.stringify(attrs);
    const when = typeof e.requestReceivedTimestamp === 'string' ? e.requestReceivedTimestamp : '';
    const known = found.get(key);
    if (known) {
      known.count++;
      if (when > known.last) known.last = when;
    } else if (found.size < MAX_DISTINCT) {
      found.set(key, { attrs, count: 1, last: when });
    }
  }

  result(): DeniedRequest[] {
    return [...this.found.values()];
  }
}

/** What --audit-log tells of one pod, read in one pass: its refused requests and the tokens it presented. */
export interface PodRequests {
  denied: DeniedRequest[];
  uses: Fetched<TokenUses>;
}

export async function podRequests(sources: LogSource[], who: { username: string; podName: string; podUid?: string }): Promise<Fetched<PodRequests>> {
  const denied = new DeniedFold(who);
  const uses = new TokenUseFold(who);
  const mark = Buffer.from(JSON.stringify(who.username));
  const sink = {
    line(buf: Buffer, start: number, end: number, _n: number, marked: boolean) {
      if (!marked) return;
      let e: any;
      try {
        e = JSON.parse(buf.toString('utf8', start, end));
      } catch {
        return; // not an event: the audit command reports malformed lines; here they prove nothing
      }
      denied.add(e);
      uses.add(e);
    },
    tooLong() {},
  };
  try {
    for (const s of sources) await eachLine(await s.open(), mark, sink);
  } catch (e) {
    return missing({ kind: 'error', message: `the audit log could not be read: ${e instanceof Error ? e.message : String(e)}` });
  }
  return got({ denied: denied.result(), uses: uses.result() });
}

export async function deniedRequests(sources: LogSource[], who: { username: string; podName: string }): Promise<Fetched<DeniedRequest[]>> {
  const r = await podRequests(sources, who);
  return r.ok ? got(r.value.denied) : r;
}
