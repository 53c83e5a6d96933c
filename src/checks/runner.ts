/**
 * Runs the checks of one pod concurrently (their shared fetches are single-flight through the
 * run's cache, so the critical path is the longest chain of dependent requests), and sums them up:
 * status, root cause, and the fix commands in the order to run them.
 */
import type { CheckContext } from './context.js';
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

export type DiagnosisStatus = 'healthy' | 'degraded' | 'failing';

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

export function summarize(results: CheckResult[]): Summary {
  const rank = (r: CheckResult) => ROOT_CAUSE_PRECEDENCE.indexOf(r.id);
  const failing = results.filter((r) => r.status === 'fail').sort((a, b) => rank(a) - rank(b));
  const warning = results.filter((r) => r.status === 'warn').sort((a, b) => rank(a) - rank(b));
  const status: DiagnosisStatus = failing.length ? 'failing' : warning.length ? 'degraded' : 'healthy';
  const root = failing[0] ?? warning[0];
  const commands = [...failing, ...warning].flatMap((r) => r.fix);
  const unique = [...new Set(commands)];
  const fix = [...unique.filter((c) => !RESTART.test(c)), ...unique.filter((c) => RESTART.test(c))];
  return { status, rootCause: root ? { check: root.id, message: root.message } : null, fix };
}
