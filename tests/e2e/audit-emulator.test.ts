/**
 * Issue 10's "done when", end to end: the emulator runs the `audit` scenario with an audit log; its apps
 * make their API requests with the tokens they hold while the clock moves two hours; then the built
 * bundle, `kubectl-satoken audit --log FILE`, names the misbehaving workloads — the cached (stale)
 * bound token and the auto-generated legacy token as rows, with their reasons, client user agents and
 * deadlines; the invalidated legacy token, whose refusals a real kube-apiserver logs with no user and
 * no annotation (measured: tests/real/differential-time.test.ts), as refused requests by client, and
 * with --cluster-lookup as its Secret, still used after it was labelled invalid.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator, start } from '../apiserver';
import { appTraffic } from '../apiserver/audit/traffic';
import { AUDIT_WORKLOADS, INVALID_SINCE_LABEL } from '../apiserver/scenarios/audit';
import { BIN, ensureBundle } from '../support/bundle';

const DAY = 86_400_000;
const YEAR_S = 365 * 86_400;

let k: Emulator;
let dir: string;
let logPath: string;
let startedAt: Date;

/** The bundle, asynchronously (the emulator answers --cluster-lookup from this process). */
function satoken(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', KUBECONFIG: k.kubeconfigPath }, timeout: 20_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

const podOf = (ns: string) => k.store.list(k.cluster.type('', 'pods'), ns).items[0]!.metadata.name;
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const midnight = (d: string) => Date.parse(`${d}T00:00:00Z`);

beforeAll(async () => {
  ensureBundle();
  dir = mkdtempSync(join(tmpdir(), 'audit-emulator-'));
  logPath = join(dir, 'audit.log');
  k = await start({ scenarios: 'audit', auditLogPath: logPath });
  startedAt = k.clock.now();
  // Past the cached token's warnafter (start + 3607 s); the apps' requests follow each move.
  for (let i = 0; i < 4; i++) {
    k.clock.advance(1800);
    await appTraffic(k.cluster)!.idle();
  }
  k.cluster.auditLog!.flush();
}, 60_000);
afterAll(async () => {
  await k?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// The invalidated token's requests carry no token annotation: they are reported as refused requests.
const misbehaving = AUDIT_WORKLOADS.filter((w) => w.problem !== null && w.problem !== 'invalidated-legacy-token');
const invalidated = AUDIT_WORKLOADS.find((w) => w.problem === 'invalidated-legacy-token')!;

test('from the log alone: exactly the two annotated workloads as rows, the invalidated token\'s 401s by client (exit 3)', async () => {
  const r = await satoken(['audit', '--log', logPath, '-o', 'json']);
  const refused = appTraffic(k.cluster)!.sent.filter((s) => s.pod.startsWith(`${invalidated.namespace}/`));
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.every((s) => s.status === 401)).toBe(true);
  const ip = k.cluster.get('', 'pods', invalidated.namespace, podOf(invalidated.namespace))!.status.podIP;
  expect(r.stderr).toBe(`warning: ${refused.length} request${refused.length === 1 ? ' was' : 's were'} refused (401) and the audit log does not say with which token: `
    + `an invalidated legacy token shows only this way. Clients: ${invalidated.userAgent} from ${ip} (${refused.length}). `
    + 'Add --cluster-lookup to find the invalidated legacy token Secrets that are still used.\n');
  expect(r.code).toBe(3);
  const report = JSON.parse(r.stdout);
  expect(report.kind).toBe('TokenAuditReport');
  const named = report.items.map((i: any) => [i.namespace, i.serviceAccount, i.problem]).sort();
  expect(named).toEqual(misbehaving.map((w) => [w.namespace, w.serviceAccount, w.problem]).sort());

  const item = (ns: string) => report.items.find((i: any) => i.namespace === ns);
  for (const w of misbehaving) {
    const i = item(w.namespace);
    expect(i.clients.map((c: any) => c.userAgent)).toEqual([w.userAgent]);
    expect(i.requests).toBeGreaterThan(0);
    expect(i.sourceIPs[0]).toBe(k.cluster.get('', 'pods', w.namespace, podOf(w.namespace))!.status.podIP);
    if (w.secret) expect(i.secrets).toEqual([w.secret]);
  }

  // The cached token: pod-bound, so the pod is named; it expires a year after it was issued.
  const ledgerPod = podOf('audit-payments');
  const cached = claims(k.kubelet.appToken('audit-payments', ledgerPod)!.token);
  const stale = item('audit-payments');
  expect(stale.pod).toBe(ledgerPod);
  expect(stale.action).toBe('reread-token');
  expect(stale.clients[0]).toMatchObject({ library: 'kubernetes-python', version: '11.0.0', rereadsToken: false });
  expect(stale.deadline).toMatchObject({ event: 'token-expires', source: 'audit-log', date: new Date((cached.iat + YEAR_S) * 1000).toISOString().replace('.000Z', 'Z') });
  expect(cached['kubernetes.io'].warnafter).toBe(cached.iat + 3607);
  // Stale from the first request after warnafter; at most 2 h - 3607 s (+ test time) past it.
  expect(stale.maxSecondsPastWarning).toBeGreaterThanOrEqual(7200 - 3607);
  expect(stale.maxSecondsPastWarning).toBeLessThan(7200 - 3607 + 120);

  // The auto-generated legacy token: not pod-bound; the cleaner may label it a period (+1 day) after the last use.
  const auto = item('audit-ci');
  expect(auto.pod).toBe('');
  expect(auto.action).toBe('migrate-legacy-token');
  expect(auto.unauthorized).toBe(0);
  expect(auto.deadline).toMatchObject({ event: 'secret-invalidated', source: 'audit-log', date: day(midnight(day(Date.parse(auto.lastSeen))) + 366 * DAY) });

  // The invalidated one is not a row: its refusals name no ServiceAccount.
  expect(item('audit-legacy')).toBeUndefined();

  // The healthy apps were there, and are not named.
  const healthy = AUDIT_WORKLOADS.filter((w) => w.problem === null);
  const sent = appTraffic(k.cluster)!.sent;
  for (const w of healthy) expect(sent.some((s) => s.pod.startsWith(`${w.namespace}/`) && s.status === 200)).toBe(true);
  expect(report.summary).toMatchObject({ stale: 1, legacy: 1, invalidated: 0, subjects: 2, malformed: 0 });
});

test('--cluster-lookup against the emulator: the cleaner dates from the Secrets and the tracking ConfigMap', async () => {
  const r = await satoken(['audit', '--log', logPath, '--cluster-lookup', '-o', 'json']);
  expect(r.code).toBe(3);
  const items = JSON.parse(r.stdout).items;
  const item = (ns: string) => items.find((i: any) => i.namespace === ns);
  const since = k.cluster.get('', 'configmaps', 'kube-system', 'kube-apiserver-legacy-service-account-token-tracking')!.data.since as string;
  const secret = (ns: string, name: string) => k.cluster.get('', 'secrets', ns, name)!;
  // The cleaner (legacy_serviceaccount_token_cleaner.go) acts no earlier than a period after: tracking
  // started (+1 day), the Secret's creation, its last use (+1 day) — and not before today.
  const floor = (s: any) =>
    Math.max(midnight(since) + 366 * DAY, Date.parse(s.metadata.creationTimestamp) + 365 * DAY + 1, midnight(s.metadata.labels['kubernetes.io/legacy-token-last-used']) + 366 * DAY, Date.now());

  const deployer = secret('audit-ci', 'deployer-token-7x2kq');
  // Every use labelled it (at most daily), on the emulated date of the use.
  expect(deployer.metadata.labels!['kubernetes.io/legacy-token-last-used']).toBe(day(k.clock.now().getTime()));
  expect(item('audit-ci').deadline).toMatchObject({ event: 'secret-invalidated', source: 'cluster', date: day(floor(deployer)) });
  expect(item('audit-ci').cluster).toMatchObject({ secret: 'deployer-token-7x2kq', found: true });

  const reporter = secret('audit-legacy', 'reporter-token-b5m2d');
  const invalidSince = reporter.metadata.labels![INVALID_SINCE_LABEL];
  expect(invalidSince).toBe(day(startedAt.getTime() - 30 * DAY));
  // A refused use still moves last-used (legacy.go): the Secret is named as still used after its label.
  expect(item('audit-legacy')).toBeUndefined();
  const lastUsed = reporter.metadata.labels!['kubernetes.io/legacy-token-last-used'];
  expect(lastUsed).toBe(day(k.clock.now().getTime()));
  expect(r.stderr).toContain(`warning: secret audit-legacy/reporter-token-b5m2d (ServiceAccount reporter) is labelled invalid since ${invalidSince} and its token was used on ${lastUsed}: a workload still sends it and gets 401 Unauthorized\n`);

  // A stale token has no Secret: its deadline stays the log's.
  expect(item('audit-payments').deadline.source).toBe('audit-log');
});

test('the table: the two rows, most urgent first, with the client and the deadline', async () => {
  const r = await satoken(['audit', '--log', logPath]);
  expect(r.code).toBe(3);
  const rows = r.stdout.split('\n').slice(1, 3).map((l) => l.split(/\s{2,}/));
  expect(rows.map((c) => [c[0], c[1], c[3]])).toEqual([
    ['audit-ci', 'deployer', 'legacy-token-autogenerated'],
    ['audit-payments', 'ledger', 'stale-token'],
  ]);
  // The invalidated token's client is in the refused-requests warning, not in a row.
  expect(r.stdout).not.toContain('python-requests');
  expect(r.stderr).toMatch(/^warning: \d+ requests? (was|were) refused \(401\).*Clients: python-requests\/2\.31\.0/);
  expect(r.stdout).toContain('kubectl v1.24.3');
  expect(r.stdout).toContain('kubernetes-python 11.0.0');
  expect(r.stdout).not.toMatch(/audit-shop|audit-reports/);
});
