/**
 * Carries out a plan. Safety rules: every object is backed up before it is touched; a Secret is
 * re-checked right before its DELETE — the same object as planned (uid and resourceVersion), not
 * used within --unused-for, referenced by no pod template, and, in the last request before the
 * DELETE, by no pod of a fresh LIST — and deleted with uid and resourceVersion preconditions, so a
 * Secret recreated or changed in between is refused by the API server itself; workload patches carry
 * `test` ops. Writes are never retried blindly. Interrupted at any point, a rerun converges: what
 * was deleted is gone from the next scan and its backup is on disk.
 */
import type { KubeApi } from '../../kube/types.js';
import { ApiError, isNotFound } from '../../kube/errors.js';
import type { Io } from '../types.js';
import { writeBackup } from './backup.js';
import { INVALID_SINCE_LABEL, LAST_USED_LABEL } from './analyze.js';
import { usedWithin } from './cleaner.js';
import type { LegacyTokenPlan, PlanStep } from './plan.js';
import { listAll } from '../../kube/list.js';
import { invalidName, objectPath } from './names.js';
import { scanTemplates } from './templates.js';
import { secretUses } from './usage.js';
import { describeTemplate } from './templates.js';


export interface StepResult {
  namespace: string;
  secret: string;
  step: string;
  result: 'done' | 'skipped' | 'failed';
  why: string;
}

export interface ApplyContext {
  api: KubeApi;
  io: Io;
  backupDir: string;
  now: number;
  unusedForDays: number;
  progress: (message: string) => void;
  signal?: AbortSignal;
  /** Page size of the re-check LISTs. */
  chunkSize?: number;
}

export async function applyPlan(plan: LegacyTokenPlan, ctx: ApplyContext): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const written = new Set<string>();
  let n = 0;
  for (const item of plan.items) {
    for (const step of item.steps) {
      if (ctx.signal?.aborted) {
        results.push({ namespace: item.namespace, secret: item.secret, step: describe(step), result: 'skipped', why: 'interrupted' });
        continue;
      }
      ctx.progress(`applying ${++n}: ${describe(step)}`);
      const r = await runStep(step, ctx, written).catch((e: unknown) => ({ result: 'failed' as const, why: e instanceof Error ? e.message : String(e) }));
      results.push({ namespace: item.namespace, secret: item.secret, step: describe(step), ...r });
    }
  }
  ctx.progress('');
  return results;
}

function describe(s: PlanStep): string {
  switch (s.type) {
    case 'patch-workload':
      return `patch ${s.kind.toLowerCase()}/${s.name}`;
    case 'delete-secret':
      return `delete secret/${s.name}`;
    case 'manual':
      return `by hand: ${s.what}`;
  }
}

async function runStep(step: PlanStep, ctx: ApplyContext, written: Set<string>): Promise<{ result: StepResult['result']; why: string }> {
  if (step.type === 'manual') return { result: 'skipped', why: 'needs a person (see PLAN.md)' };
  if (step.type === 'patch-workload') {
    let current: any;
    try {
      current = await ctx.api.request('GET', step.path);
    } catch (e) {
      if (isNotFound(e)) return { result: 'skipped', why: `${step.kind.toLowerCase()}/${step.name} no longer exists` };
      throw e;
    }
    await writeBackup(ctx.io, ctx.backupDir, step.kind, { ...current, kind: step.kind }, undefined, written);
    try {
      await ctx.api.request('PATCH', step.path, step.patch, 'application/json-patch+json');
    } catch (e) {
      // The `test` ops failed: the workload no longer has that Secret volume (already migrated, or changed).
      if (e instanceof ApiError && (e.code === 422 || e.code === 409)) return { result: 'skipped', why: `changed since the scan: ${e.serverMessage}` };
      throw e;
    }
    return { result: 'done', why: 'projected token volume in place; pods roll out with it' };
  }
  // delete-secret: re-read and re-check every rule against the live object, then back up, then delete.
  const bad = invalidName(step.namespace, step.name);
  if (bad) return { result: 'skipped', why: bad };
  const path = objectPath('', 'v1', 'secrets', step.namespace, step.name);
  let secret: any;
  try {
    secret = await ctx.api.request('GET', path);
  } catch (e) {
    if (isNotFound(e)) return { result: 'skipped', why: 'already deleted' };
    throw e;
  }
  if (step.uid && secret.metadata?.uid !== step.uid) return { result: 'skipped', why: 'recreated since the scan (uid differs); rerun to re-plan' };
  if (secret.metadata?.resourceVersion !== step.resourceVersion) return { result: 'skipped', why: 'changed since the scan (resourceVersion differs); rerun to re-plan' };
  if (usedWithin(secret.metadata?.labels?.[LAST_USED_LABEL], ctx.now, ctx.unusedForDays)) {
    return { result: 'skipped', why: `used on ${secret.metadata.labels[LAST_USED_LABEL]}, within --unused-for` };
  }
  const saName = secret.metadata?.annotations?.['kubernetes.io/service-account.name'];
  await writeBackup(
    ctx.io,
    ctx.backupDir,
    'Secret',
    { ...secret, apiVersion: 'v1', kind: 'Secret' },
    { serviceAccount: saName, autoGenerated: step.autoGenerated, invalidSince: secret.metadata?.labels?.[INVALID_SINCE_LABEL] ?? null },
    written,
  );
  // Who uses it now, not at the scan: a workload or pod created since. The pods' LIST is the last
  // request before the DELETE, so nothing slow (the backup's disk writes) opens a window after it.
  const template = await templateUsing(ctx, step.namespace, step.name);
  if (template) return { result: 'skipped', why: `now used by the pod template of ${template}` };
  const pod = await podUsing(ctx, step.namespace, step.name);
  if (pod) return { result: 'skipped', why: `now used by pod/${pod}` };
  try {
    // metav1.Preconditions (k8s.io/apimachinery/pkg/apis/meta/v1/types.go): the API server deletes
    // only while the object still has this uid and resourceVersion, else 409 Conflict.
    await ctx.api.request('DELETE', path, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      preconditions: { ...(step.uid ? { uid: step.uid } : {}), resourceVersion: step.resourceVersion },
    });
  } catch (e) {
    if (isNotFound(e)) return { result: 'skipped', why: 'already deleted' };
    if (e instanceof ApiError && e.code === 409) return { result: 'skipped', why: 'changed since the scan (precondition failed); rerun to re-plan' };
    throw e;
  }
  return { result: 'done', why: 'deleted; backup written' };
}

/** The first workload in the namespace whose pod template uses the Secret, by name, or undefined. */
async function templateUsing(ctx: ApplyContext, namespace: string, secret: string): Promise<string | undefined> {
  let found: string | undefined;
  await scanTemplates(ctx.api, { namespace, chunkSize: ctx.chunkSize ?? 500 }, (_ns, s, ref) => {
    if (s === secret) found ??= describeTemplate(ref);
  });
  return found;
}

/** The first pod in the namespace that mounts or references the Secret, from a fresh paginated LIST. */
async function podUsing(ctx: ApplyContext, namespace: string, secret: string): Promise<string | undefined> {
  for await (const page of listAll((o) => ctx.api.listPods(namespace, o), { limit: ctx.chunkSize ?? 500 })) {
    for (const pod of page.items) if (secretUses(pod).some((u) => u.secret === secret)) return pod.metadata?.name ?? '';
  }
  return undefined;
}
