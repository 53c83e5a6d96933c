/**
 * The verdict a matrix case must get from `kubectl satoken diagnose POD -o json`: one judge for the
 * emulator's matrix (matrix.ts) and the real cluster's (tests/real/providers.test.ts), so that both
 * hold the plugin to the same expectations (scenarios/providers/cases.ts, scenarios/demo.ts).
 */
import type { DemoCase } from '../apiserver/scenarios/demo';
import type { ProviderCase } from '../apiserver/scenarios/providers';

export interface DiagnoseRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** diagnose's JSON document; a run that printed none throws with what it printed instead. */
export function diagnosis(r: DiagnoseRun): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`diagnose printed no JSON (exit ${r.code}): ${r.stderr}${r.stdout}`);
  }
}

/**
 * Asserts case `c`'s verdict on run `r`. `namespace` is where the case was seeded when not under its
 * own name (the case's patterns name its namespace); `managed`: no kube-apiserver to edit, so no fix
 * may name it.
 */
export function judgeDiagnosis(c: DemoCase | ProviderCase, r: DiagnoseRun, opts: { managed: boolean; namespace?: string }): void {
  const d = diagnosis(r);
  const got = { status: d.status, rootCause: d.rootCause?.check ?? null };
  if (got.status !== c.status || got.rootCause !== c.rootCause) {
    // What diagnose said, so that a failure on a cluster nobody can look at later explains itself.
    const seen = (d.checks ?? []).filter((x: any) => x.status !== 'pass').map((x: any) => `${x.id} ${x.status}: ${x.message}\n    ${(x.evidence ?? []).join('\n    ')}`);
    throw new Error(`expected ${JSON.stringify({ status: c.status, rootCause: c.rootCause })}, got ${JSON.stringify(got)}:\n${seen.join('\n')}`);
  }
  expect(r.code).toBe(c.status === 'failing' ? 3 : 0);
  if (c.rootCause) expect(d.fix.length).toBeGreaterThan(0);
  const local = (m: RegExp) => (opts.namespace ? new RegExp(m.source.split(c.namespace).join(opts.namespace), m.flags) : m);
  if ('messageMatches' in c && c.messageMatches) expect(d.rootCause.message).toMatch(local(c.messageMatches));
  if ('fixMatches' in c && c.fixMatches) expect(d.fix.join('\n')).toMatch(local(c.fixMatches));
  if (opts.managed) expect(d.fix.join('\n')).not.toMatch(/kube-apiserver/);
  expect(r.stdout).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
}
