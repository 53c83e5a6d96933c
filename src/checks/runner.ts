/**
 * Runs the checks of one pod concurrently (their shared fetches are single-flight through the
 * run's cache, so the critical path is the longest chain of dependent requests), and sums them up:
 * status, root cause, and the fix commands in the order to run them.
 */
import type { CheckContext } from './context.js';
import { skipCause } from './format.js';
import { isMirrorPod } from './spec.js';
import type { Check, CheckId, CheckResult } from './types.js';

/**
 * Root-cause precedence: when several checks fail, the most fundamental one — the one whose fix
 * makes the others pass — is named. Nothing mounted comes before a bad token; a missing
 * ServiceAccount before everything that follows from it; a NotReady node before the rotation it
 * stops and the expiry that follows; configuration (legacy Secret, issuer, audience) before the
 * claims and the 401 that result; the app's own caching after a good file; RBAC (403) last.
 * The same order picks among warnings when nothing fails.
 */
export const ROOT_CAUSE_PRECEDENCE: CheckId[] = [
  'automount',
  'serviceaccount-exists',
  'token-mounted',
  'node-ready',
  'token-rotation',
  'legacy-secret',
  'issuer',
  'audience',
  'token-claims',
  'token-authenticates',
  'app-token-reload',
  // A third party's token is beside the API token: its faults come after every API-token cause.
  'third-party-tokens',
  'rbac',
];

/**
 * healthy: every check that decides whether the token works ran and passed; inconclusive: nothing
 * failed or warned, but one of those checks could not run (see Summary.unverified).
 */
export type DiagnosisStatus = 'healthy' | 'degraded' | 'failing' | 'inconclusive';

/**
 * The checks that prove the mounted token works: it decodes and is in date (token-claims) and the
 * API server accepts it (token-authenticates). Without them a pod is not known to be healthy; the
 * spec-level checks only show that nothing in its configuration is wrong.
 */
export const DECIDING_CHECKS: CheckId[] = ['token-claims', 'token-authenticates'];

/** A deciding check that did not run: why, what would run it, and whether the user chose so. */
export interface Unverified {
  id: CheckId;
  /** The skip's own sentence (or the reason the check was not run at all). */
  reason: string;
  /** The permission or flag that would run it (`create pods/exec in NS`, `--deep`). */
  needs: string;
  /** True when the user asked for the lighter look (--no-exec, a scan without --deep). */
  byChoice: boolean;
}

export interface RootCause {
  check: CheckId;
  /** One sentence: the root cause's own message. */
  message: string;
}

export interface Summary {
  status: DiagnosisStatus;
  rootCause: RootCause | null;
  /** Fix commands in order: the root cause's first, then the others', pod restarts last, no repeats. */
  fix: string[];
  /** Status inconclusive: the deciding checks that did not run. */
  unverified?: Unverified[];
}

export async function runChecks(ctx: CheckContext, checks: Check[], opts: { explain?: boolean } = {}): Promise<CheckResult[]> {
  if (!ctx.podUnknown && isMirrorPod(ctx.pod)) {
    const message = 'not applicable: a static pod (its API mirror) runs without a ServiceAccount token';
    return checks.map((c) => ({ id: c.id, title: c.title, status: 'skip', message, evidence: [], fix: [], ...(opts.explain ? { explain: c.explain } : {}) }));
  }
  return Promise.all(
    checks.map(async (c): Promise<CheckResult> => {
      let verdict;
      try {
        verdict = await c.run(ctx);
      } catch (e) {
        // A check bug or an unexpected answer must not hide the other checks' findings.
        verdict = { status: 'skip' as const, message: `could not run: ${e instanceof Error ? e.message : String(e)}`, evidence: [], fix: [] };
      }
      return { id: c.id, title: c.title, ...verdict, ...(opts.explain ? { explain: c.explain } : {}) };
    }),
  );
}

const RESTART = /^kubectl (delete pod |get pod .*kubectl replace --force)/;

/**
 * `notRun`: checks left out of this run on purpose (a scan without --deep) and why; a deciding
 * check among them leaves the pod inconclusive, as a skipped one does.
 */
export function summarize(results: CheckResult[], notRun: Array<{ id: CheckId; reason: string; needs: string }> = []): Summary {
  const rank = (r: CheckResult) => ROOT_CAUSE_PRECEDENCE.indexOf(r.id);
  const failing = results.filter((r) => r.status === 'fail').sort((a, b) => rank(a) - rank(b));
  const warning = results.filter((r) => r.status === 'warn').sort((a, b) => rank(a) - rank(b));
  const unverified = failing.length || warning.length ? [] : unverifiedOf(results, notRun);
  const status: DiagnosisStatus = failing.length ? 'failing' : warning.length ? 'degraded' : unverified.length ? 'inconclusive' : 'healthy';
  const root = failing[0] ?? warning[0];
  const commands = [...failing, ...warning].flatMap((r) => r.fix);
  const unique = [...new Set(commands)];
  const fix = [...unique.filter((c) => !RESTART.test(c)), ...unique.filter((c) => RESTART.test(c))];
  return { status, rootCause: root ? { check: root.id, message: root.message } : null, fix, ...(unverified.length ? { unverified } : {}) };
}

function unverifiedOf(results: CheckResult[], notRun: Array<{ id: CheckId; reason: string; needs: string }>): Unverified[] {
  const out: Unverified[] = [];
  for (const id of DECIDING_CHECKS) {
    const r = results.find((x) => x.id === id);
    if (!r) {
      const n = notRun.find((x) => x.id === id);
      if (n) out.push({ id, reason: n.reason, needs: n.needs, byChoice: true });
      continue;
    }
    if (r.status !== 'skip') continue;
    const why = skipCause(r.message);
    // Not applicable (a static pod, no token to present because none is mounted): nothing to prove.
    if (why) out.push({ id, reason: r.message, ...why });
  }
  return out;
}
