/**
 * test-auth: proves, against the live API server, whether a token authenticates and what it may
 * do — the seed guide's 401-versus-403 question, with the API server's own reason for a 401.
 */
import { SatokenError, UsageError } from '../../errors.js';
import { TokenFormatError } from '../../jwt/errors.js';
import { inspectToken } from '../../jwt/inspect.js';
import type { TokenInspection } from '../../jwt/types.js';
import { ConnectionError } from '../../kube/errors.js';
import type { KubeConnection } from '../../kube/types.js';
import { audienceFix } from '../../checks/audience.js';
import { chooseContainer, serviceAccountName } from '../../checks/spec.js';
import type { Deps, Outcome } from '../types.js';
import { loadKeys, type IssuerKeys } from '../decode/keys.js';
import type { TestAuthOptions } from './options.js';
import { readToken } from './source.js';
import { AUDIENCE_MISS } from './fixes.js';
import { accessReview, connectionKind, decodeStep, reviewToken, tryListPods, whoAmI } from './steps.js';
import type { AuthTest, Step, StepId } from './types.js';
import { judgeSteps } from './verdict.js';

/** What the cluster publishes about its ServiceAccount issuer, for the local checks. */
interface Discovery {
  keys?: IssuerKeys;
  /** Why the signature could not be checked. */
  noKeysReason?: string;
  /** The API server could not be reached at all. */
  unreachable?: ConnectionError;
}

export async function runTestAuth(o: TestAuthOptions, deps: Deps): Promise<Outcome<AuthTest>> {
  const input = await readToken(o.source, deps);
  const conn = await deps.kube();
  const now = deps.clock();
  const discovery = await discover(deps);

  let inspection: TokenInspection | null = null;
  let decode: Step;
  try {
    inspection = await inspectToken(input.raw, {
      now,
      source: input.source,
      ...(discovery.keys?.issuer ? { expectedIssuers: [discovery.keys.issuer] } : {}),
      ...(o.audiences.length > 0 ? { expectedAudiences: o.audiences } : {}),
      ...(discovery.keys ? { jwks: discovery.keys.jwks } : { notCheckedReason: discovery.noKeysReason }),
    });
    decode = decodeStep(inspection);
  } catch (e) {
    if (!(e instanceof TokenFormatError)) throw e;
    // Three segments that do not decode, an empty or huge input: malformed, as decode says (exit 2).
    if (e.problem !== 'segments') throw new UsageError(`cannot decode the token from ${input.source} (${e.message})`);
    // Not a JWT (a static or opaque token): nothing to read locally, but the API server can still judge it.
    decode = { id: 'decode', status: 'skip', httpStatus: null, message: `not a JWT (${e.message}): no local checks`, evidence: {} };
  }
  const steps: Step[] = [decode];
  if (discovery.unreachable) {
    const u = discovery.unreachable;
    const kind = connectionKind(u.cause_);
    decode.evidence.connection = { kind, server: u.server, cause: u.cause_ };
    decode.message += `; could not reach ${u.where} (${kind === 'tls' ? 'TLS' : 'network'}: ${u.cause_})`;
  }

  // Round trips (issue 8): once discovery has shown the API server can be reached (if not, nothing
  // more is tried), the reviews and the request as the token go out together, none depending on
  // another's answer: one round trip instead of one each. Their steps are then put in order, as if
  // asked one after the other: after one that could not reach the server, the rest are "not tried".
  const tokenApi = conn.forToken(input.raw);
  const namespace = inspection?.token.namespace ?? conn.namespace;
  const asks: Array<{ id: StepId; answer: Promise<Step> }> = [];
  const ask = (id: StepId, what: string, f: () => Promise<Step>) => {
    if (discovery.unreachable) {
      asks.push({ id, answer: Promise.resolve(notTried(id)) });
      return;
    }
    deps.progress(`${what}…`);
    const answer = f();
    answer.catch(() => undefined); // awaited below, in order; not an unhandled rejection meanwhile
    asks.push({ id, answer });
  };
  ask('tokenreview', 'TokenReview', () => reviewToken(conn.api, input.raw, o.audiences));
  ask('selfsubjectreview', 'SelfSubjectReview as the token', () => whoAmI(tokenApi));
  ask('api-request', `list pods in ${namespace} as the token`, () => tryListPods(tokenApi, namespace));
  for (const attrs of o.can) {
    const a = { ...attrs, namespace: attrs.namespace ?? namespace };
    ask('access-review', `can-i ${a.verb} ${a.resource}`, () => accessReview(tokenApi, a));
  }
  let down = Boolean(discovery.unreachable);
  for (const { id, answer } of asks) {
    if (down) {
      steps.push(notTried(id));
      continue;
    }
    const s = await answer;
    if (s.evidence.connection) down = true;
    steps.push(s);
  }
  deps.progress('');

  const judgement = judgeSteps({
    steps,
    inspection,
    audiences: o.audiences,
    canAsked: o.can.length > 0,
    fix: { view: inspection?.token ?? null, namespace, ...(input.pod ? { pod: input.pod } : {}) },
  });
  // A pod's own token for the wrong audience is the pod's volume, not a token to mint: the fix is
  // diagnose's (the same builder), when the pod can be read.
  if (judgement.verdict === 'unauthenticated' && input.pod && o.source.kind === 'pod' && AUDIENCE_MISS.test(judgement.reason)) {
    const fix = await podAudienceFix(conn, input.pod, o.source.container, inspection);
    if (fix.length > 0) judgement.fix = fix.join(' && ');
  }
  const result: AuthTest = { kind: 'AuthTest', ...judgement, source: input.source, user: judgement.user, steps };
  return { result, problem: judgement.verdict === 'forbidden' || judgement.verdict === 'unauthenticated', notices: input.notices };
}

async function podAudienceFix(conn: KubeConnection, ref: { namespace: string; name: string }, containerName: string | undefined, inspection: TokenInspection | null): Promise<string[]> {
  try {
    const pod = await conn.api.readPod(ref.namespace, ref.name);
    const container = chooseContainer(pod, containerName);
    if (!container) return [];
    const sa = await conn.api.readServiceAccount(ref.namespace, serviceAccountName(pod)).catch(() => null);
    return audienceFix(pod, container, inspection?.thirdParty, sa);
  } catch {
    // The pod cannot be read (forbidden, gone): the general advice stands.
    return [];
  }
}

function notTried(id: StepId): Step {
  return { id, status: 'skip', httpStatus: null, message: 'not tried: the API server could not be reached', evidence: {} };
}

/**
 * Issuer discovery (GA 1.21), as decode --verify reads it: the issuer and its keys. Without them the
 * signature is simply not checked (the API server still judges), so a failure here is not an error.
 */
async function discover(deps: Deps): Promise<Discovery> {
  try {
    return { keys: await loadKeys({ kind: 'cluster' }, deps) };
  } catch (e) {
    if (e instanceof ConnectionError) return { unreachable: e, noKeysReason: 'the API server could not be reached' };
    if (e instanceof SatokenError) return { noKeysReason: `not checked: ${e.message}` };
    throw e;
  }
}
