/** migrate-legacy: scan → (plan files) → (apply with backups) | restore. */
import { UsageError } from '../../errors.js';
import type { Deps, Notice, Outcome } from '../types.js';
import { cmd, render } from '../../shell/command.js';
import { applyPlan, type StepResult } from './apply.js';
import { buildPlan, planFiles } from './plan.js';
import { restoreBackup, type RestoreResult } from './restore.js';
import { scanLegacyTokens } from './scan.js';
import type { LegacyTokenReport } from './types.js';

export interface MigrateOptions {
  /** undefined with allNamespaces; else the namespace to scan. */
  namespace?: string;
  allNamespaces: boolean;
  chunkSize: number;
  cleanUpPeriodDays: number;
  unusedForDays: number;
  planDir?: string;
  apply: boolean;
  backupDir?: string;
  restore?: string;
  /** Asks the person at the terminal; undefined = no terminal (then --yes is required). */
  confirm?: (question: string) => Promise<boolean>;
  yes: boolean;
  signal?: AbortSignal;
}

export type MigrateResult =
  | (LegacyTokenReport & { planDir?: string; applied?: { backupDir: string; results: StepResult[] } })
  | { kind: 'LegacyTokenRestore'; backupDir: string; results: RestoreResult[] };

export function validate(o: MigrateOptions): void {
  if (o.restore && (o.apply || o.planDir)) throw new UsageError('--restore cannot be combined with --apply or --plan-dir');
  if (!Number.isInteger(o.chunkSize) || o.chunkSize < 1) throw new UsageError(`--chunk-size must be a positive integer, got ${o.chunkSize}`);
  if (!(o.cleanUpPeriodDays > 0)) throw new UsageError('--clean-up-period must be positive');
  if (!(o.unusedForDays >= 0)) throw new UsageError('--unused-for must not be negative');
  if (o.apply && !o.yes && !o.confirm) throw new UsageError('--apply needs --yes when stdin is not a terminal');
}

export async function run(o: MigrateOptions, deps: Deps): Promise<Outcome<MigrateResult>> {
  validate(o);
  const conn = await deps.kube();
  const now = deps.clock().getTime();
  const notices: Notice[] = [];
  if (o.restore) {
    const results = await restoreBackup(conn.api, deps.io, o.restore);
    return { result: { kind: 'LegacyTokenRestore', backupDir: o.restore, results }, problem: results.some((r) => r.result === 'failed'), notices };
  }
  const namespace = o.allNamespaces ? undefined : (o.namespace ?? conn.namespace);
  const report = await scanLegacyTokens(conn.api, {
    namespace,
    chunkSize: o.chunkSize,
    periodDays: o.cleanUpPeriodDays,
    unusedForDays: o.unusedForDays,
    now,
    progress: deps.progress,
  });
  if (report.trackingSince === null) {
    notices.push({ level: 'warning', message: `no ${'kube-system/kube-apiserver-legacy-service-account-token-tracking'} ConfigMap (or not readable): last-used tracking dates are unknown, so clean-up dates are not given` });
  }
  const result: MigrateResult = { ...report };
  const needPlan = Boolean(o.planDir) || o.apply;
  const plan = needPlan ? await buildPlan(conn.api, report, { now, unusedForDays: o.unusedForDays }) : undefined;
  if (plan && o.planDir) {
    for (const [rel, text] of planFiles(plan)) {
      const file = `${o.planDir}/${rel}`;
      await deps.io.mkdir(file.slice(0, file.lastIndexOf('/')));
      await deps.io.writeFile(file, text);
    }
    result.planDir = o.planDir;
    notices.push({ level: 'info', message: `plan written to ${o.planDir} (PLAN.md, plan.json, patches and deletions)` });
  }
  if (plan && o.apply) {
    const backupDir = o.backupDir ?? `./satoken-backup-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
    const changes = plan.items.flatMap((i) => i.steps).filter((s) => s.type !== 'manual').length;
    if (changes === 0) {
      notices.push({ level: 'info', message: 'nothing to apply: every token left is in use, recently used, or kept' });
    } else if (!o.yes && !(await o.confirm!(`apply ${changes} change(s) to the cluster? backups go to ${backupDir}`))) {
      notices.push({ level: 'info', message: 'not applied: not confirmed' });
    } else {
      const results = await applyPlan(plan, { api: conn.api, io: deps.io, backupDir, now, unusedForDays: o.unusedForDays, progress: deps.progress, signal: o.signal });
      result.applied = { backupDir, results };
      notices.push({ level: 'info', message: `backups of everything changed are in ${backupDir} (restore: ${render(cmd('kubectl', 'satoken', 'migrate-legacy', '--restore', backupDir))})` });
    }
  } else if (!o.apply) {
    notices.push({ level: 'info', message: 'dry run: nothing was changed (--plan-dir DIR writes the plan; --apply carries it out)' });
  }
  const failed = result.applied?.results.some((r) => r.result === 'failed') ?? false;
  const brokenNow = report.items.some((i) => i.invalidSince !== null && i.mountedBy.length + i.envReferencedBy.length > 0);
  return { result, problem: failed || brokenNow, notices };
}
