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
      ['Root cause', d.rootCause ? `${d.rootCause.check}: ${d.rootCause.message}` : d.unverified ? 'none found, but the token was not proven to work' : 'none: every check passed or was skipped'],
      ...unverifiedRows(d),
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
  const inconclusive = s.inconclusive ? `, ${s.inconclusive} inconclusive` : '';
  const specOnly = s.specOnly ? `${s.specOnly === s.pods ? 'all' : s.specOnly} judged on the spec only: their tokens were not read (--deep reads them)\n` : '';
  const footer = `${s.pods} pods: ${s.healthy} healthy, ${s.degraded} degraded, ${s.failing} failing${inconclusive}\n${specOnly}${withheldLines(list)}`;
  // Inconclusive pods are counted, not listed: without --deep that is every pod with nothing wrong in its spec.
  const unhealthy = list.items.filter((i) => i.status === 'failing' || i.status === 'degraded');
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

/** Inconclusive pods the cluster withheld the proof of (not the scan's own choice): how many need what. */
function withheldLines(list: DiagnosisList): string {
  const byNeed = new Map<string, number>();
  for (const i of list.items) {
    if (i.status !== 'inconclusive') continue;
    const needs = new Set((i.unverified ?? []).filter((u) => !u.byChoice).map((u) => u.needs));
    for (const n of needs) byNeed.set(n, (byNeed.get(n) ?? 0) + 1);
  }
  return [...byNeed].map(([needs, n]) => `inconclusive: ${n} pods need ${needs}\n`).join('');
}

/** Inconclusive: the skipped checks that would decide, grouped by what would let them run. */
function unverifiedRows(d: Diagnosis): Array<[string, string]> {
  const byNeed = new Map<string, string[]>();
  for (const u of d.unverified ?? []) byNeed.set(u.needs, [...(byNeed.get(u.needs) ?? []), u.id]);
  return [...byNeed].map(([needs, ids]) => ['Not run', `${ids.join(', ')}: needs ${needs}`]);
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
