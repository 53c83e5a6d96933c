/** `kubectl satoken audit --log FILE…`: the cli wiring of src/commands/audit (flags → options → run). */
import { open } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import type { LogSource } from '../../commands/audit/read.js';
import { parseInstant, parsePeriod } from '../../commands/audit/window.js';
import type { CliCommand } from '../command.js';
import type { System } from '../system.js';

/** A file (opened when the command starts, so an unreadable one fails first) or stdin for `-`. */
export function logSources(paths: string[], sys: System): LogSource[] {
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('--log - (stdin) can be given only once');
  return paths.map((p) =>
    p === '-'
      ? {
          name: '-',
          open: async () => {
            if (sys.stdinIsTTY) throw new UsageError('nothing on stdin (pipe an audit log into it, e.g. `zcat audit.log.gz | kubectl satoken audit --log -`)');
            return sys.stdin as AsyncIterable<Buffer | string>;
          },
        }
      : {
          name: p,
          open: async () => {
            const fh = await open(p, 'r');
            // 1 MiB reads: a few hundred syscalls per GiB instead of 16k with the default 64 KiB.
            return fh.createReadStream({ highWaterMark: 1 << 20 });
          },
        },
  );
}

export const auditCommand: CliCommand = {
  // Files may also come as positionals (a shell glob: audit audit*.log); stdin only as --log -.
  command: 'audit [logs..]',
  describe: 'Name the workloads that use stale or legacy ServiceAccount tokens, from the API server audit log',
  examples: [
    ['kubectl satoken audit --log /var/log/kubernetes/audit.log', 'Which workloads cache their token or use a legacy Secret token'],
    ['kubectl satoken audit --log audit.log --log audit-2026-11-27.log.gz', 'Several (rotated, gzipped) files, in any order'],
    ['zcat audit*.gz | kubectl satoken audit --log -', 'Read the log from stdin'],
    ['kubectl satoken audit /var/log/kubernetes/audit*.log*', 'Files as arguments (a shell glob)'],
    ['kubectl satoken audit --log audit.log --since 24h --until 2026-11-28T12:00:00Z', 'Only requests in this window'],
    ['kubectl satoken audit --log audit.log --cluster-lookup', 'Read the legacy token Secrets for the cleaner\'s dates'],
    ['kubectl satoken audit --log audit.log --clean-up-period 180d --extended-expiration 90d', 'Deadlines for a cluster with other settings'],
    ['kubectl satoken audit --log audit.log -o json', 'The TokenAuditReport as JSON'],
  ],
  builder: (y: Argv) =>
    y
      .positional('logs', { type: 'string', array: true, describe: 'Audit log files, as --log' })
      .option('log', {
        type: 'string',
        // One value per --log (repeat it): yargs' array flags never take a lone `-`, nargs 1 does.
        nargs: 1,
        describe:
          'An audit log file (JSON lines; gzip detected); repeatable; - for stdin. Only lines with an authentication.k8s.io/ annotation are parsed; any other line is malformed only when it does not look like an event ({…} with a stage and a timestamp)',
      })
      .option('since', { type: 'string', describe: 'Only requests received at or after this time (RFC 3339, or a duration ago: 24h, 7d)' })
      .option('until', { type: 'string', describe: 'Only requests received at or before this time (RFC 3339, or a duration ago)' })
      .option('cluster-lookup', {
        type: 'boolean',
        default: false,
        describe: 'Read the legacy token Secrets and the tracking ConfigMap from the cluster for exact dates (off: the log alone)',
      })
      .option('clean-up-period', {
        type: 'string',
        default: '365d',
        describe: "kube-controller-manager's --legacy-service-account-token-clean-up-period (its legacy token cleaner)",
      })
      .option('extended-expiration', {
        type: 'string',
        default: '365d',
        describe: 'How long a pod token asked for with 3607 s really lives (1 year upstream; 90d on EKS)',
      }),
  async run(args, ctx) {
    const given = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String).filter((s) => s !== '');
    const logs = [...given(args.log), ...given(args.logs)];
    if (logs.length === 0) {
      throw new UsageError('no audit log given (--log FILE, or --log - for stdin)', "see 'kubectl satoken audit --help'");
    }
    // Loaded when audit runs, not on every start-up (node:zlib; issue 8).
    const { runAudit } = await import('../../commands/audit/run.js');
    const now = ctx.deps.clock();
    const outcome = await runAudit(
      {
        sources: logSources(logs, ctx.sys),
        ...(typeof args.since === 'string' ? { since: parseInstant(args.since, '--since', now) } : {}),
        ...(typeof args.until === 'string' ? { until: parseInstant(args.until, '--until', now) } : {}),
        clusterLookup: Boolean(args['cluster-lookup']),
        periodDays: parsePeriod(String(args['clean-up-period']), '--clean-up-period') / 86400,
        extensionSeconds: parsePeriod(String(args['extended-expiration']), '--extended-expiration'),
      },
      ctx.deps,
    );
    return { outcome };
  },
};
