/**
 * `kubectl satoken audit`: reads API server audit logs (JSON lines, gzip or not, any number of files
 * in any order), folds the stale/legacy token annotations into one row per workload, and says what to
 * fix and by when. Works without a cluster; --cluster-lookup adds the Secrets' dates.
 */
import { OperationError, UsageError } from '../../errors.js';
import { ConnectionError, isForbidden } from '../../kube/errors.js';
import type { Deps, Notice, Outcome } from '../types.js';
import { Aggregate, Aggregator } from './aggregate.js';
import { findingOf } from './annotations.js';
import {
  INVALID_SINCE_LABEL,
  LAST_USED_LABEL,
  clusterDeadline,
  logDeadline,
  readSecretIfExists,
  secretFacts,
  trackingSince,
  TRACKING_CONFIGMAP,
  type DeadlineOptions,
} from './deadlines.js';
import { parseLine, skimLine, TOKEN_ANNOTATION_MARK } from './line.js';
import { eachLine, MAX_LINE_BYTES, type LogSource } from './read.js';
import { clientInfo } from './user-agent.js';
import { URGENCY, actionOf, fixText } from './verdict.js';
import type { MalformedSample, TokenAuditItem, TokenAuditReport } from './types.js';
import { jsonValueBytes, LIMITS } from '../../limits.js';

export interface AuditOptions extends DeadlineOptions {
  sources: LogSource[];
  /** Window on requestReceivedTimestamp, ms since the epoch (inclusive). */
  since?: number;
  until?: number;
  /** Read the legacy token Secrets and the tracking ConfigMap through deps.kube. */
  clusterLookup: boolean;
  /** Malformed lines reported with file:line. */
  maxSamples?: number;
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function runAudit(o: AuditOptions, deps: Deps): Promise<Outcome<TokenAuditReport>> {
  if (o.sources.length === 0) throw new UsageError('no audit log given (--log FILE, or --log - for stdin)');
  if (o.since !== undefined && o.until !== undefined && o.since > o.until) {
    throw new UsageError('--since is after --until');
  }
  const maxSamples = o.maxSamples ?? 5;
  const notices: Notice[] = [];
  const agg = new Aggregator();
  let malformed = 0;
  const samples: MalformedSample[] = [];

  // Open everything first: an unreadable file fails the run before minutes of reading the others.
  const opened: Array<[LogSource, AsyncIterable<Buffer | string>]> = [];
  for (const s of o.sources) {
    try {
      opened.push([s, await s.open()]);
    } catch (e) {
      throw readError(s.name, e);
    }
  }

  const needTime = o.since !== undefined || o.until !== undefined;
  const outside = (at: number) => (o.since !== undefined && at < o.since) || (o.until !== undefined && at > o.until);
  const skip = (at: string, reason: string) => {
    malformed++;
    if (samples.length < maxSamples) samples.push({ at, reason });
  };

  for (const [source, stream] of opened) {
    deps.progress(`reading ${source.name}…`);
    let lineNo = 0;
    try {
      await eachLine(stream, TOKEN_ANNOTATION_MARK, {
        line(buf, start, end, n, marked) {
          lineNo = n;
          while (start < end && isBlank(buf[start]!)) start++;
          while (end > start && isBlank(buf[end - 1]!)) end--;
          if (start === end) return;
          if (!marked) {
            // No token annotation: it cannot name a workload, so it is only counted (line.ts).
            const skim = skimLine(buf.subarray(start, end), needTime);
            // A refused credential's event is parsed: its client is reported (refusedNotice).
            if (skim && !skim.refused) {
              if (needTime && outside(skim.at)) agg.outsideWindow++;
              else agg.count(skim.role);
              return;
            }
          }
          // Parsed, `{},{},…` costs some 30 times its bytes: a line with more values than an API
          // response may hold is skipped unparsed.
          if (jsonValueBytes(buf, start, end) > LIMITS.jsonValues) return skip(`${source.name}:${n}`, `more than ${LIMITS.jsonValues} JSON values`);
          const p = parseLine(buf.toString('utf8', start, end));
          if ('malformed' in p) return skip(`${source.name}:${n}`, p.malformed);
          if (outside(p.at)) {
            agg.outsideWindow++;
            return;
          }
          agg.add(p.event, p.at, findingOf(p.event));
        },
        tooLong(n) {
          lineNo = n;
          skip(`${source.name}:${n}`, `longer than ${MAX_LINE_BYTES >> 20} MiB`);
        },
      });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (/unexpected end of file/i.test(why)) {
        notices.push({ level: 'warning', message: `${source.name}: the gzip data ends early (truncated file); read ${lineNo} lines` });
      } else {
        throw readError(source.name, e);
      }
    }
  }
  deps.progress('');

  for (const s of samples) notices.push({ level: 'warning', message: `${s.at}: skipped a malformed line (${s.reason})` });
  if (malformed > samples.length) notices.push({ level: 'warning', message: `${malformed - samples.length} more malformed lines skipped` });
  if (malformed > 0 && agg.events === 0) {
    notices.push({
      level: 'info',
      message: 'no line was a JSON audit event: the API server must write them with --audit-log-format=json (the default)',
    });
  }

  let items = [...agg.byKey.values()].map((a) => toItem(a, o));
  if (agg.refusedTotal > 0) notices.push(refusedNotice(agg, o.clusterLookup));
  if (o.clusterLookup) {
    items = await addClusterDeadlines(items, o, deps, notices);
    notices.push(...(await invalidatedStillUsed(items, deps)));
  }
  items.sort(byUrgency);

  const report: TokenAuditReport = {
    kind: 'TokenAuditReport',
    items,
    summary: {
      files: o.sources.map((s) => s.name),
      events: agg.events,
      requests: agg.requests,
      outsideWindow: agg.outsideWindow,
      malformed,
      subjects: new Set(items.map((i) => i.subject || `${i.namespace}/?`)).size,
      stale: items.filter((i) => i.problem === 'stale-token').length,
      legacy: items.filter((i) => i.action === 'migrate-legacy-token').length,
      invalidated: items.filter((i) => i.problem === 'invalidated-legacy-token').length,
      malformedSamples: samples,
      ...(o.since !== undefined ? { since: rfc3339(o.since) } : {}),
      ...(o.until !== undefined ? { until: rfc3339(o.until) } : {}),
    },
  };
  return { result: report, problem: items.length > 0, notices };
}

function toItem(a: Aggregate, o: AuditOptions): TokenAuditItem {
  const f = a.finding;
  const t = a.tally;
  const clients = t.agents.sorted().map(([ua, n]) => clientInfo(ua, n));
  const secrets = a.secrets.sorted().map(([s]) => s);
  const deadline = logDeadline(f.problem, a.lastSeen, a.latestWarnAfter, o);
  return {
    problem: f.problem,
    action: actionOf(f.problem),
    subject: f.subject,
    namespace: f.namespace,
    serviceAccount: f.serviceAccount,
    pod: f.pod,
    requests: t.requests,
    unauthorized: t.unauthorized,
    firstSeen: rfc3339(a.firstSeen),
    lastSeen: rfc3339(a.lastSeen),
    clients,
    sourceIPs: a.sourceIPs.sorted().map(([ip]) => ip),
    requestsBy: t.verbs.sorted().map(([k, n]) => {
      const i = k.indexOf(' ');
      return { verb: k.slice(0, i), resource: k.slice(i + 1), requests: n };
    }),
    secrets,
    ...(a.maxSecondsPastWarning !== undefined ? { maxSecondsPastWarning: a.maxSecondsPastWarning } : {}),
    ...(deadline ? { deadline } : {}),
    fix: fixText({
      problem: f.problem,
      namespace: f.namespace,
      secrets,
      clients,
      maxSecondsPastWarning: a.maxSecondsPastWarning,
      periodDays: o.periodDays,
    }),
    ...(a.truncated ? { truncated: true } : {}),
  };
}

async function addClusterDeadlines(
  items: TokenAuditItem[],
  o: AuditOptions,
  deps: Deps,
  notices: Notice[],
): Promise<TokenAuditItem[]> {
  const withSecret = items.filter((i) => i.problem !== 'stale-token' && i.secrets.length > 0 && i.namespace);
  if (withSecret.length === 0) return items;
  const now = deps.clock().getTime();
  let api;
  try {
    api = (await deps.kube()).api;
  } catch (e) {
    if (e instanceof ConnectionError) throw withHint(e, 'run without --cluster-lookup to audit the log alone');
    throw e;
  }
  const since = await trackingSince(api);
  let forbidden = false;
  const out: TokenAuditItem[] = [];
  for (const item of items) {
    if (!withSecret.includes(item)) {
      out.push(item);
      continue;
    }
    const secret = item.secrets[0]!;
    try {
      const facts = secretFacts(await readSecretIfExists(api, item.namespace, secret));
      // Without the tracking date (forbidden) an unlabelled Secret's date stays the log's estimate.
      const deadline = since === undefined && !facts.invalidSince && facts.found ? item.deadline : clusterDeadline(item.problem, facts, since, now, o.periodDays);
      out.push({ ...item, cluster: { secret, ...facts }, ...(deadline ? { deadline } : {}) });
    } catch (e) {
      if (!isForbidden(e)) throw e;
      forbidden = true;
      out.push(item);
    }
  }
  if (since === undefined) {
    notices.push({ level: 'warning', message: `cannot get configmap ${TRACKING_CONFIGMAP.namespace}/${TRACKING_CONFIGMAP.name} (forbidden): the cleaner's start date is unknown` });
  }
  if (forbidden) {
    notices.push({ level: 'warning', message: 'cannot get some Secrets (forbidden): their deadlines come from the log alone' });
  }
  return out;
}

function byUrgency(a: TokenAuditItem, b: TokenAuditItem): number {
  return (
    URGENCY[a.problem] - URGENCY[b.problem] ||
    deadlineKey(a).localeCompare(deadlineKey(b)) ||
    b.requests - a.requests ||
    a.namespace.localeCompare(b.namespace) ||
    a.serviceAccount.localeCompare(b.serviceAccount) ||
    a.pod.localeCompare(b.pod)
  );
}

/** Earliest deadline first; failing now before any date; none last. */
const deadlineKey = (i: TokenAuditItem) => (i.deadline?.event === 'failing-now' ? '0' : i.deadline?.date ? `1${i.deadline.date}` : '2');

/** Whitespace JSON allows around a value (space, tab, CR, LF). */
const isBlank = (b: number) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;

function readError(name: string, e: unknown): OperationError {
  const err = e as NodeJS.ErrnoException;
  const why =
    err?.code === 'ENOENT'
      ? 'no such file'
      : err?.code === 'EACCES'
        ? 'permission denied'
        : err?.code === 'EISDIR'
          ? 'is a directory'
          : err instanceof Error
            ? err.message
            : String(e);
  return new OperationError(`cannot read audit log "${name}" (${why})`);
}

function withHint(e: ConnectionError, hint: string): OperationError {
  return new OperationError(e.message, e.hint ?? hint, { cause: e });
}

/**
 * Refused requests, by client. kube-apiserver's token cache copies the authenticator's audit annotations
 * to the request only when the token authenticates (staging/src/k8s.io/apiserver/pkg/authentication/
 * token/cache/cached_token_authenticator.go AuthenticateToken), so a refused request's one event has no
 * user and no annotation: an invalidated legacy token shows in the log only as these 401s.
 */
function refusedNotice(agg: Aggregator, clusterLookup: boolean): Notice {
  const top = agg.refused.sorted().slice(0, 3).map(([key, n]) => {
    const [ua, ip] = key.split('\u0000');
    return `${(ua ?? '').slice(0, 120) || '(no user agent)'} from ${ip || '?'} (${n})`;
  });
  const more = agg.refused.counts.size > 3 || agg.refused.truncated ? ', …' : '';
  return {
    level: 'warning',
    message:
      `${agg.refusedTotal} request${agg.refusedTotal === 1 ? ' was' : 's were'} refused (401) and the audit log does not say with which token: ` +
      `an invalidated legacy token shows only this way. Clients: ${top.join(', ')}${more}.` +
      (clusterLookup ? '' : ' Add --cluster-lookup to find the invalidated legacy token Secrets that are still used.'),
  };
}

/**
 * Secrets the cleaner labelled invalid whose token was used on or after that day: legacy.go moves the
 * last-used label on a refused use too (k/k pkg/serviceaccount/legacy.go Validate,
 * patchSecretWithLastUsedDate), so a workload still sends it and gets 401. Skipped when the log already
 * named the Secret.
 */
async function invalidatedStillUsed(items: TokenAuditItem[], deps: Deps): Promise<Notice[]> {
  const known = new Set(items.flatMap((i) => i.secrets.map((s) => `${i.namespace}/${s}`)));
  let secrets;
  try {
    secrets = (await (await deps.kube()).api.listSecrets(undefined, { labelSelector: INVALID_SINCE_LABEL })).items;
  } catch (e) {
    if (isForbidden(e)) return [{ level: 'warning', message: 'cannot list Secrets in all namespaces (forbidden): invalidated legacy tokens still in use are not looked for' }];
    throw e;
  }
  const out: Notice[] = [];
  for (const s of secrets) {
    const labels = s.metadata?.labels ?? {};
    const since = labels[INVALID_SINCE_LABEL] ?? '';
    const used = labels[LAST_USED_LABEL] ?? '';
    const ns = s.metadata?.namespace ?? '';
    const name = s.metadata?.name ?? '';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(since) || !/^\d{4}-\d{2}-\d{2}$/.test(used) || used < since || known.has(`${ns}/${name}`)) continue;
    const sa = s.metadata?.annotations?.['kubernetes.io/service-account.name'] ?? '?';
    out.push({
      level: 'warning',
      message: `secret ${ns}/${name} (ServiceAccount ${sa}) is labelled invalid since ${since} and its token was used on ${used}: a workload still sends it and gets 401 Unauthorized`,
    });
  }
  return out;
}
