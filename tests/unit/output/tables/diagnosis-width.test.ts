/**
 * diagnose's tables fit 120 columns by default: a scan names a pod's failing and warning checks in
 * one CHECKS column (-o wide names them all, with the root cause's message), and a pod's long check
 * lines wrap between words under their own column. Fix commands never wrap: they are copied.
 */
import { CHECK_IDS, type CheckResult } from '../../../../src/checks/types';
import type { Diagnosis, DiagnosisList } from '../../../../src/commands/diagnose/types';
import { renderDiagnosis, renderDiagnosisList } from '../../../../src/output/tables/diagnosis';
import type { OutputFormat } from '../../../../src/output/types';

const opts = (format: OutputFormat) => ({ format, color: false, now: new Date('2026-11-28T16:00:00Z') });
const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

function scan(): DiagnosisList {
  const pod = (namespace: string, name: string) => ({ namespace, name, serviceAccountName: 'app', node: 'node-1', container: 'app' });
  return {
    kind: 'DiagnosisList',
    items: [
      {
        kind: 'Diagnosis',
        pod: pod('diag-sa-deleted', 'billing-zb26q99blw-srklm'),
        status: 'failing',
        rootCause: { check: 'serviceaccount-exists', message: 'ServiceAccount diag-sa-deleted/app does not exist' },
        fix: [],
        // Every check failing: the widest row there can be.
        checks: CHECK_IDS.map((id) => ({ id, status: 'fail', message: 'x' })),
      },
      {
        kind: 'Diagnosis',
        pod: pod('diag-legacy', 'ci-runner-pw2qdvbsr6-h6s82'),
        status: 'degraded',
        rootCause: { check: 'legacy-secret', message: 'the pod uses the legacy Secret-based token app-token' },
        fix: [],
        checks: CHECK_IDS.map((id) => ({ id, status: id === 'legacy-secret' ? 'warn' : 'pass', message: 'x' })),
      },
      { kind: 'Diagnosis', pod: pod('shop', 'web-0'), status: 'healthy', rootCause: null, fix: [], checks: CHECK_IDS.map((id) => ({ id, status: 'pass', message: 'x' })) },
    ],
    summary: { pods: 3, healthy: 1, degraded: 1, failing: 1, inconclusive: 0, specOnly: 0 },
    notRun: [{ id: 'token-claims', reason: 'needs the token: diagnose POD, or --deep' }],
  } as DiagnosisList;
}

test('a scan fits 120 columns, a CHECKS column naming the failing ids instead of a column per check', () => {
  const text = renderDiagnosisList(scan(), opts('table'));
  expect(widest(text)).toBeLessThanOrEqual(120);
  const [head, first, second] = text.split('\n');
  expect(head!.split(/\s{3,}/)).toEqual(['NAMESPACE', 'POD', 'STATUS', 'ROOT CAUSE', 'CHECKS']);
  // Those that fit, then how many more.
  const checks = first!.split(/\s{3,}/)[4]!;
  const named = checks.split(',');
  expect(named.at(-1)).toMatch(/^\+\d+$/);
  expect(named.length - 1 + Number(named.at(-1)!.slice(1))).toBe(CHECK_IDS.length);
  for (const id of named.slice(0, -1)) expect(CHECK_IDS).toContain(id);
  expect(second!.split(/\s{3,}/)).toEqual(['diag-legacy', 'ci-runner-pw2qdvbsr6-h6s82', 'degraded', 'legacy-secret', 'legacy-secret']);
  expect(text).toMatch(/^3 pods: 1 healthy/m);
});

test('-o wide names every failing check, and the root cause message', () => {
  const text = renderDiagnosisList(scan(), opts('wide'));
  const [head, first] = text.split('\n');
  expect(head!.split(/\s{3,}/)).toEqual(['NAMESPACE', 'POD', 'STATUS', 'ROOT CAUSE', 'CHECKS', 'MESSAGE']);
  expect(first!.split(/\s{3,}/)[4]).toBe(CHECK_IDS.join(','));
  expect(first).toContain('ServiceAccount diag-sa-deleted/app does not exist');
});

test('one scanned pod is "1 pod"', () => {
  const list = scan();
  list.items = [list.items[2]!];
  list.summary = { pods: 1, healthy: 1, degraded: 0, failing: 0, inconclusive: 0, specOnly: 0 };
  expect(renderDiagnosisList(list, opts('table'))).toMatch(/^1 pod: 1 healthy/);
});

test("a pod's long check lines wrap between words within 120 columns; a URL and a fix command stay whole", () => {
  const url = 'https://eastus.oic.prod-aks.azure.com/72f988bf-0000-4000-8000-2d7cd011db47/0e6c1f4a-9b1d-4c2e-8f3a-5d7b9c1e2f30/';
  const fix = `kubectl patch serviceaccount app -n shop --type merge -p '{"metadata":{"annotations":{"azure.workload.identity/client-id":"0e6c1f4a-9b1d-4c2e-8f3a-5d7b9c1e2f30"}}}'`;
  const checks: CheckResult[] = [
    { id: 'issuer', title: 'issuer', status: 'pass', message: `issuer ${url} is the API server's (discovery document)`, evidence: [], fix: [] },
    {
      id: 'third-party-tokens',
      title: 't',
      status: 'fail',
      message: 'the pod lacks the azure.workload.identity/use label, so the webhook mounted no federated token and the SDK falls back to the node',
      evidence: [`federated token file: not mounted; AZURE_FEDERATED_TOKEN_FILE unset; the webhook reads the label azure.workload.identity/use on the pod`],
      fix: [fix],
    },
  ];
  const d: Diagnosis = {
    kind: 'Diagnosis',
    pod: { namespace: 'shop', name: 'web-0', serviceAccountName: 'app', node: 'node-1', container: 'app' },
    status: 'failing',
    rootCause: { check: 'third-party-tokens', message: `${'the pod lacks the azure.workload.identity/use label, so the webhook mounted no federated token'} and the SDK falls back to the node` },
    fix: [fix],
    checks,
  } as Diagnosis;
  const text = renderDiagnosis(d, opts('table'));
  const tooWide = text.split('\n').filter((l) => l.length > 120);
  // Only lines holding an unbreakable word (the URL's line has no room for it beside the id) or a fix command.
  for (const l of tooWide) expect(l.includes(url) || l.trim() === fix).toBe(true);
  expect(text).toContain(url);
  expect(text.split('\n').filter((l) => l.trim() === fix)).toHaveLength(2);
  // Every word of the message is there, in order.
  expect(text.replace(/\s+/g, ' ')).toContain(checks[1]!.message);
  expect(text.split('\n').find((l) => l.startsWith('FAIL  third-party-tokens'))!.length).toBeLessThanOrEqual(120);
  // The root cause, wrapped under its key.
  const at = text.split('\n').findIndex((l) => l.startsWith('Root cause:  third-party-tokens: the pod lacks'));
  expect(text.split('\n')[at + 1]).toMatch(/^ {15}\S/);
});
