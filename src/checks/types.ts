/**
 * The check contract of `diagnose`. Check ids are public (users grep for them, docs list them):
 * renaming one is a breaking change.
 */
import type { CheckContext } from './context.js';

export const CHECK_IDS = [
  'automount',
  'token-mounted',
  'serviceaccount-exists',
  'token-claims',
  'token-authenticates',
  'rbac',
  'token-rotation',
  'node-ready',
  'legacy-secret',
  'audience',
  'issuer',
  'app-token-reload',
  'third-party-tokens',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

/** pass: fine; warn: works but will hurt (degraded); fail: broken; skip: could not judge (always says why). */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** One sentence: what was found. For `skip`, why the check could not run. */
  message: string;
  /** The facts the verdict rests on, as `key: value` lines, in the order a reader needs them. */
  evidence: string[];
  /** Exact commands that fix a warn/fail, real names filled in, in the order to run them. */
  fix: string[];
  /** --explain: why this check matters and how Kubernetes behaves (KUBERNETES.md, in short). */
  explain?: string;
}

/** One check: a title, and a function of the context. Checks never throw for cluster answers. */
export interface Check {
  id: CheckId;
  title: string;
  /** Needs only the pod spec and listed objects (runs in scan mode without exec or TokenReview). */
  specLevel: boolean;
  /** The --explain text: why it matters and how Kubernetes behaves, in a few sentences. */
  explain: string;
  run(ctx: CheckContext): Promise<Omit<CheckResult, 'id' | 'title' | 'explain'>>;
}
