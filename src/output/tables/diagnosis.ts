/**
 * diagnose's tables. One pod: a header, one line per check (status coloured), the evidence and
 * fix under each check that is not passing (every check's evidence with -o wide), the --explain
 * text, then the summary: status, root cause, fix commands in order (plain lines, to copy).
 * A scan: one row per pod that is not healthy, a column per check that fails or warns somewhere.
 */
import type { CheckResult } from '../../checks/types.js';
import type { Diagnosis, DiagnosisList, ScanItem } from '../../commands/diagnose/types.js';
import { paint, statusColour } from '../colour.js';
import { columns } from '../table.js';
import { details } from '../details.js';
import type { RenderOptions } from '../types.js';

const MARK: Record<CheckResult['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function renderDiagnosis(d: Diagnosis, opts: RenderOptions): string {
  const c = opts.color;
  const out: string[] = [];
  out.push(
    details([
      ['Pod', `${d.pod.namespace}/${d.pod.name} (container ${d.pod.container})`],
      ['ServiceAccount', d.pod.serviceAccountName],
      ['Node', d.pod.node ?? '<none>'],
    ]),
  );
  const width = Math.max(...d.checks.map((x) => x.id.length));
  for (const check of d.checks) {
    out.push(`${paint(c, statusColour(check.status), MARK[check.status])}  ${check.id.padEnd(width)}  ${check.message}\n`);
    const showEvidence = check.status === 'fail' || check.status === 'warn' || opts.format === 'wide';
    if (showEvidence) for (const e of check.evidence) out.push(`        ${paint(c, 'grey', e)}\n`);
    if (check.fix.length && (check.status === 'fail' || check.status === 'warn')) {
      out.push(`        fix:\n`);
      for (const f of check.fix) out.push(`          ${f}\n`);
    }
    if (opts.explain && check.explain) out.push(wrap(check.explain, 8, 100).map((l) => `${paint(c, 'blue', l)}\n`).join(''));
  }
  out.push('\n');
  out.push(
    details([
      ['Status', paint(c, statusColour(d.status), d.status)],
      ['Root cause', d.rootCause ? `${d.rootCause.check}: ${d.rootCause.message}` : 'none: every check passed or was skipped'],
    ]),
  );
  if (d.fix.length) {
    out.push('Fix (run in this order):\n');
    for (const f of d.fix) out.push(`  ${f}\n`);
  }
  return out.join('');
}

export function renderDiagnosisList(list: DiagnosisList, opts: RenderOptions): string {
  const c = opts.color;
  const s = list.summary;
  const footer = `${s.pods} ${s.pods === 1 ? 'pod' : 'pods'}: ${s.healthy} healthy, ${s.degraded} degraded, ${s.failing} failing\n`;
  const unhealthy = list.items.filter((i) => i.status !== 'healthy');
  const notRun = list.notRun?.length ? `not run in a scan: ${list.notRun.map((n) => n.id).join(', ')} (${list.notRun[0].reason})\n` : '';
  if (unhealthy.length === 0) return `${footer}${notRun}`;
  const shown = new Set<string>();
  for (const i of unhealthy) for (const ch of checksOf(i)) if (ch.status === 'fail' || ch.status === 'warn') shown.add(ch.id);
  const ids = [...shown];
  const rows = unhealthy.map((i) => {
    const by = new Map(checksOf(i).map((ch) => [ch.id, ch.status]));
    return [
      i.pod.namespace,
      i.pod.name,
      paint(c, statusColour(i.status), i.status),
      ...ids.map((id) => {
        const st = by.get(id as CheckResult['id']);
        return st === 'fail' || st === 'warn' ? paint(c, statusColour(st), st) : '';
      }),
      i.rootCause ? i.rootCause.check : '',
      ...(opts.format === 'wide' ? [i.rootCause?.message ?? ''] : []),
    ];
  });
  const head = ['namespace', 'pod', 'status', ...ids, 'root cause', ...(opts.format === 'wide' ? ['message'] : [])];
  return `${columns(head, rows)}\n${footer}${notRun}`;
}

function checksOf(i: Diagnosis | ScanItem): Array<Pick<CheckResult, 'id' | 'status'>> {
  return i.checks;
}

function wrap(text: string, indent: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(' '.repeat(indent) + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(' '.repeat(indent) + line);
  return lines;
}
