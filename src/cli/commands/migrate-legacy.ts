/** `kubectl satoken migrate-legacy`: flags → MigrateOptions → run. */
import { run, type MigrateOptions } from '../../commands/migrate-legacy/run.js';
import { UsageError } from '../../errors.js';
import type { CliCommand } from '../command.js';
import { parseDuration } from '../flags.js';
import { scrubTokens } from '../../output/redact.js';

const DAY_MS = 86_400_000;

function days(text: unknown, flag: string): number {
  const s = String(text);
  // kubectl-style durations plus a day suffix (`365d`), since clean-up periods are counted in days.
  const m = /^(\d+)d$/.exec(s.trim());
  if (m) return Number(m[1]);
  try {
    return parseDuration(s, flag) / DAY_MS;
  } catch (e) {
    throw new UsageError((e as Error).message.replace('such as 10s, 5m, 1h', 'such as 30d, 8760h'));
  }
}

export const migrateLegacyCommand: CliCommand = {
  command: 'migrate-legacy',
  describe: 'Find every Secret-based ServiceAccount token, who uses it, and move the cluster off them safely',
  examples: [
    ['kubectl satoken migrate-legacy -A', 'Report every legacy token Secret in the cluster, riskiest first (changes nothing)'],
    ['kubectl satoken migrate-legacy -n shop -o wide', 'The same for one namespace, with the pods and workloads using each token'],
    ['kubectl satoken migrate-legacy -A --plan-dir ./satoken-plan', 'Write the patches, deletions, plan.json and PLAN.md'],
    ['kubectl satoken migrate-legacy -A --apply --backup-dir ./backup', 'Carry out the plan (asks first; --yes to skip), backing up every object before touching it'],
    ['kubectl satoken migrate-legacy --restore ./backup', 'Re-create what a backup holds'],
    ['kubectl satoken migrate-legacy -A --clean-up-period 180d --unused-for 60d --chunk-size 1000', 'Another cleaner period, a longer grace, bigger pages'],
  ],
  builder: (y) =>
    y
      .option('all-namespaces', { alias: 'A', type: 'boolean', default: false, describe: 'Scan every namespace' })
      .option('chunk-size', { type: 'number', default: 500, describe: 'Objects per LIST page (as kubectl)' })
      .option('clean-up-period', { type: 'string', default: '365d', describe: "kube-controller-manager's --legacy-service-account-token-clean-up-period (its legacy token cleaner)" })
      .option('unused-for', { type: 'string', default: '30d', describe: 'Never delete a token used within this time' })
      .option('plan-dir', { type: 'string', describe: 'Write the plan (manifests, patches, plan.json, PLAN.md) here' })
      .option('apply', { type: 'boolean', default: false, describe: 'Carry out the plan (default is a dry run)' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask before --apply' })
      .option('backup-dir', { type: 'string', describe: 'Where --apply backs up objects (default ./satoken-backup-<time>/)' })
      .option('restore', { type: 'string', describe: 'Re-create the objects of this backup directory' }),
  async run(args, ctx) {
    const options: MigrateOptions = {
      namespace: ctx.flags.namespace,
      allNamespaces: Boolean(args['all-namespaces']),
      chunkSize: Number(args['chunk-size']),
      cleanUpPeriodDays: days(args['clean-up-period'], '--clean-up-period'),
      unusedForDays: days(args['unused-for'], '--unused-for'),
      planDir: args['plan-dir'] as string | undefined,
      apply: Boolean(args.apply),
      backupDir: args['backup-dir'] as string | undefined,
      restore: args.restore as string | undefined,
      yes: Boolean(args.yes),
      // The changes first, then the question: the answer is given knowing what it applies to.
      confirm:
        ctx.sys.stdinIsTTY && ctx.sys.stderrIsTTY
          ? async (preview) => {
              const { renderApplyPreview } = await import('../../output/tables/legacy-token-report.js');
              const { terminalSafe } = await import('../../output/terminal-safe.js');
              ctx.sys.stderr.write(scrubTokens(renderApplyPreview(preview)));
              return ask(ctx.sys.stdin, ctx.sys.stderr, `apply ${preview.changes.length} change(s) to the cluster? backups go to ${terminalSafe(preview.backupDir)}`, ctx.sys.signal);
            }
          : undefined,
      signal: ctx.sys.signal,
    };
    if (options.allNamespaces && ctx.flags.namespace) throw new UsageError('-A and -n cannot be used together');
    return { outcome: await run(options, ctx.deps) };
  },
};

async function ask(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, question: string, signal: AbortSignal): Promise<boolean> {
  // Loaded only to ask, not on every start-up (issue 8).
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input, output });
  // On a terminal readline takes Ctrl-C for itself: raise it as the signal it is, so that the
  // process ends as for Ctrl-C anywhere else (main.ts aborts `signal`, which ends the question).
  rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
  try {
    // SIGTERM or SIGINT abort `signal`: the question ends instead of waiting for an answer.
    const answer = await rl.question(`${question} [y/N] `, { signal }).catch((e: unknown) => {
      // Ended by a signal: the answer is no, and main.ts exits with the signal's code.
      if (signal.aborted) return '';
      throw e;
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
