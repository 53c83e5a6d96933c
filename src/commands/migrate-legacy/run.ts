/** migrate-legacy: scan → (plan files) → (apply with backups) | restore. */
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { Deps, Notice, Outcome } from '../types.js';
import { cmd, render } from '../../shell/command.js';
import { applyPlan, type StepResult } from './apply.js';
import { checkPrivateDir } from './backup.js';
import { inside } from './names.js';
import { buildPlan, planFiles, type LegacyTokenPlan } from './plan.js';
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
  /**
   * Shows the person at the terminal what --apply will change, then asks; undefined = no terminal
   * (then --yes is required). The cli renders the preview: commands never print.
   */
  confirm?: (preview: ApplyPreview) => Promise<boolean>;
  yes: boolean;
  signal?: AbortSignal;
}

/** What --apply is about to do, shown before the question. */
export interface ApplyPreview {
  kind: 'LegacyTokenApplyPreview';
  backupDir: string;
  changes: Array<{ namespace: string; secret: string; step: string }>;
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
  const backupDir = o.backupDir ?? `./satoken-backup-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  // Before the scan: a backup directory another user can write is refused before any work.
  if (o.apply) await checkPrivateDir(deps.io, backupDir, '--backup-dir');
  // Plan files are run later as written (`kubectl apply -f`, `kubectl patch --patch-file`): the
  // directory must be one nobody else can plant a link or a file in, as the backups' must.
  if (o.planDir) await checkPrivateDir(deps.io, o.planDir, '--plan-dir');
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
      // Names in `rel` were validated when planned; this is the last guard: never outside the dir.
      const file = inside(o.planDir, rel);
      await deps.io.mkdir(path.dirname(file), { mode: 0o700 });
      await deps.io.writePrivateFile!(file, text);
    }
    result.planDir = o.planDir;
    notices.push({ level: 'info', message: `plan written to ${o.planDir} (PLAN.md, plan.json, patches and deletions)` });
  }
  if (plan && o.apply) {
    const preview = previewOf(plan, backupDir);
    if (preview.changes.length === 0) {
      notices.push({ level: 'info', message: 'nothing to apply: every token left is in use, recently used, or kept' });
    } else if (!o.yes && !(await o.confirm!(preview))) {
      notices.push({ level: 'info', message: 'not applied: not confirmed' });
    } else {
      const results = await applyPlan(plan, {
        api: conn.api,
        io: deps.io,
        backupDir,
        now,
        unusedForDays: o.unusedForDays,
        progress: deps.progress,
        signal: o.signal,
        chunkSize: o.chunkSize,
      });
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

function previewOf(plan: LegacyTokenPlan, backupDir: string): ApplyPreview {
  const changes: ApplyPreview['changes'] = [];
  for (const item of plan.items) {
    for (const step of item.steps) {
      if (step.type === 'patch-workload') changes.push({ namespace: item.namespace, secret: item.secret, step: `patch ${step.kind.toLowerCase()}/${step.name}` });
      if (step.type === 'delete-secret') changes.push({ namespace: item.namespace, secret: item.secret, step: `delete secret/${step.name}` });
    }
  }
  return { kind: 'LegacyTokenApplyPreview', backupDir, changes };
}
