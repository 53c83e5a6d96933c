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
    // Long messages and evidence wrap at WIDTH between words, under their own column; fix
    // commands never wrap (they are copied as they are).
    const lead = 4 + 2 + width + 2;
    const [first, ...rest] = hanging(check.message, lead, WIDTH);
    out.push(`${paint(c, statusColour(check.status), MARK[check.status])}  ${check.id.padEnd(width)}  ${first}\n`);
    for (const l of rest) out.push(`${' '.repeat(lead)}${l}\n`);
    const showEvidence = check.status === 'fail' || check.status === 'warn' || opts.format === 'wide';
    if (showEvidence) {
      for (const e of check.evidence) for (const l of hanging(e, 8, WIDTH)) out.push(`        ${paint(c, 'grey', l)}\n`);
    }
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
      // Under its key ("Root cause:" and two spaces: 13 columns), wrapped as the check lines are.
      ['Root cause', hanging(d.rootCause ? `${d.rootCause.check}: ${d.rootCause.message}` : d.unverified ? 'none found, but the token was not proven to work' : 'none: every check passed or was skipped', 13, WIDTH).join('\n')],
      ...unverifiedRows(d).map(([k, v]): [string, string] => [k, hanging(v, 13, WIDTH).join('\n')]),
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
  const specOnly = s.specOnly ? lines(`${s.specOnly === s.pods ? 'all' : s.specOnly} judged on the spec only: their tokens were not read (--deep reads them)`, 0, WIDTH) : '';
  const footer = `${s.pods} ${s.pods === 1 ? 'pod' : 'pods'}: ${s.healthy} healthy, ${s.degraded} degraded, ${s.failing} failing${inconclusive}\n${specOnly}${withheldLines(list)}`;
  // Inconclusive pods are counted, not listed: without --deep that is every pod with nothing wrong in its spec.
  const unhealthy = list.items.filter((i) => i.status === 'failing' || i.status === 'degraded');
  const notRun = list.notRun?.length ? lines(`not run in a scan: ${list.notRun.map((n) => n.id).join(', ')} (${list.notRun[0].reason})`, 0, WIDTH) : '';
  if (unhealthy.length === 0) return `${footer}${notRun}`;
  const wide = opts.format === 'wide';
  const rows = unhealthy.map((i) => ({ text: [i.pod.namespace, i.pod.name, i.status, i.rootCause ? i.rootCause.check : ''], ids: problems(i), item: i }));
  // CHECKS takes what the other columns leave of WIDTH; -o wide shows it whole.
  const fixed = [0, 1, 2, 3].reduce((sum, col) => sum + Math.max(HEAD[col]!.length, ...rows.map((r) => r.text[col]!.length)) + GAP.length, 0);
  const room = Math.max(MIN_CHECKS, WIDTH - fixed);
  const cells = rows.map(({ text, ids, item }) => [
    text[0]!,
    text[1]!,
    paint(c, statusColour(item.status), text[2]!),
    text[3]!,
    wide ? ids.join(',') : fit(ids, room),
    ...(wide ? [item.rootCause?.message ?? ''] : []),
  ]);
  return `${columns([...HEAD, ...(wide ? ['message'] : [])], cells)}\n${footer}${notRun}`;
}

/** The scan table's columns: a pod's failing and warning checks share one column (CHECKS). */
const HEAD = ['namespace', 'pod', 'status', 'root cause', 'checks'];
/** What a table line may take: kubectl's tables fit a common terminal; `-o wide` may go past it. */
const WIDTH = 120;
const GAP = '   ';
/** CHECKS never narrower than this, however long the names beside it. */
const MIN_CHECKS = 16;

/** The ids of the checks that fail, then those that warn. */
function problems(i: Diagnosis | ScanItem): string[] {
  const checks = checksOf(i);
  return [...checks.filter((ch) => ch.status === 'fail'), ...checks.filter((ch) => ch.status === 'warn')].map((ch) => ch.id);
}

/** As many ids as fit in `room` characters, then `+N` for the rest (-o wide names them all). */
function fit(ids: string[], room: number): string {
  for (let shown = ids.length; shown > 0; shown--) {
    const more = ids.length - shown;
    const text = ids.slice(0, shown).join(',') + (more ? `,+${more}` : '');
    if (text.length <= room) return text;
  }
  return ids.length ? `+${ids.length}` : '';
}

/** Inconclusive pods the cluster withheld the proof of (not the scan's own choice): how many need what. */
function withheldLines(list: DiagnosisList): string {
  const byNeed = new Map<string, number>();
  for (const i of list.items) {
    if (i.status !== 'inconclusive') continue;
    const needs = new Set((i.unverified ?? []).filter((u) => !u.byChoice).map((u) => u.needs));
    for (const n of needs) byNeed.set(n, (byNeed.get(n) ?? 0) + 1);
  }
  return [...byNeed].map(([needs, n]) => lines(`inconclusive: ${n} ${n === 1 ? 'pod needs' : 'pods need'} ${needs}`, 0, WIDTH)).join('');
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

/**
 * `text` in lines that fit `width` after an indent of `indent` (the first line) or indent + 2 (the
 * rest), broken only at spaces: a word longer than a line (a URL) stays whole. Short text is as is.
 */
function hanging(text: string, indent: number, width: number): string[] {
  if (indent + text.length <= width || text.includes('\n')) return [text];
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const room = width - indent - (out.length ? 2 : 0);
    if (line && line.length + 1 + word.length > room) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.map((l, n) => (n ? `  ${l}` : l));
}

/** A notice line: wrapped at `width`, continuation lines indented by two. */
function lines(text: string, indent: number, width: number): string {
  return hanging(text, indent, width).join('\n') + '\n';
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
