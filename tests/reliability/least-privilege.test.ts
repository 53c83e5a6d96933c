/**
 * Least privilege, against the RBAC the docs ship (deploy/rbac/*.yaml): a ServiceAccount bound to
 * exactly a subcommand's ClusterRole(s), with a real token in its kubeconfig, runs that subcommand
 * without a single 403. Then each rule is taken away in turn: every invocation that now meets a
 * 403 degrades to a skip or an error that names the missing permission (its resource), and never
 * crashes or hangs. A rule no invocation needs is reported by name (over-privilege).
 */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Emulator } from '../apiserver';
import { cli, type CliRun } from '../support/cli';
import { noCrash, NS, startWorld } from './support/world';

const DIR = path.join(__dirname, '..', '..', 'deploy', 'rbac');
const RUNNER = 'satoken-runner';
const RUNNER_NS = 'ops';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}
interface Role {
  metadata: { name: string };
  rules: Rule[];
}
const rolesIn = (file: string): Role[] => parseAllDocuments(readFileSync(path.join(DIR, file), 'utf8')).map((d) => d.toJS() as Role);

/** Each subcommand: its role file(s) and what a user runs with them in this world. */
const CASES: Array<{ command: string; roles: string[]; runs: string[][] }> = [
  { command: 'decode', roles: ['satoken-decode'], runs: [['decode', '--secret', 'app-legacy', '-n', NS, '--verify'], ['decode', '--pod', 'web', '-n', NS, '-c', 'app']] },
  { command: 'mint', roles: ['satoken-mint'], runs: [['mint', 'app', '-n', NS], ['mint', 'app', '-n', NS, '--bound-object-kind', 'Pod', '--bound-object-name', 'web']] },
  {
    command: 'test-auth',
    roles: ['satoken-test-auth'],
    runs: [['test-auth', '--mint', 'app', '-n', NS], ['test-auth', '--pod', 'web', '-n', NS, '-c', 'app'], ['test-auth', '--secret', 'app-legacy', '-n', NS]],
  },
  { command: 'diagnose', roles: ['satoken-diagnose'], runs: [['diagnose', 'web', '-n', NS], ['diagnose', '-n', NS]] },
  { command: 'migrate-legacy', roles: ['satoken-migrate-legacy'], runs: [['migrate-legacy', '-n', NS], ['migrate-legacy', '-A']] },
  {
    command: 'migrate-legacy --apply',
    roles: ['satoken-migrate-legacy', 'satoken-migrate-legacy-apply'],
    runs: [['migrate-legacy', '-n', '@LEGACY@', '--apply', '--yes', '--backup-dir', '@BACKUP@']],
  },
];
const ALL_ROLES = new Map<string, Role>();
for (const f of ['satoken-decode.yaml', 'satoken-mint.yaml', 'satoken-test-auth.yaml', 'satoken-diagnose.yaml', 'satoken-migrate-legacy.yaml']) {
  for (const r of rolesIn(f)) ALL_ROLES.set(r.metadata.name, r);
}

/** A deletable legacy token for the --apply case: auto-generated, old, never used. */
const old = '2021-03-01T00:00:00Z';
/** One namespace of deletable tokens per --apply run (created through the store: old timestamps). */
const APPLY_NAMESPACES = 12;
const LEGACY_NS = [
  ...Array.from({ length: APPLY_NAMESPACES }, (_, n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `legacy-${n}` } })),
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-apiserver-legacy-service-account-token-tracking', namespace: 'kube-system' }, data: { since: '2024-01-10' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: RUNNER_NS } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: RUNNER, namespace: RUNNER_NS } },
];
const legacyPair = (ns: string, i: number) => [
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `old-${i}`, namespace: ns, uid: `uid-${ns}-${i}`, creationTimestamp: old }, secrets: [{ name: `old-${i}-token` }] },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name: `old-${i}-token`, namespace: ns, creationTimestamp: old, annotations: { 'kubernetes.io/service-account.name': `old-${i}`, 'kubernetes.io/service-account.uid': `uid-${ns}-${i}` } },
  },
];

let k: Emulator;
let work: string;
let kubeconfig: string;
let legacyN = 0;

async function admin(method: string, p: string, body?: unknown) {
  const r = await k.adminRequest(method, p, body);
  if (r.status >= 300 && !(method === 'DELETE' && r.status === 404)) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Binds the runner to exactly these roles (ClusterRoles named lp-…, so each run starts clean). */
async function bind(roles: Role[]): Promise<void> {
  const existing = await admin('GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings');
  for (const b of existing.items.filter((x: any) => x.metadata.name.startsWith('lp-'))) await admin('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${b.metadata.name}`);
  const crs = await admin('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles');
  for (const c of crs.items.filter((x: any) => x.metadata.name.startsWith('lp-'))) await admin('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${c.metadata.name}`);
  for (const r of roles) {
    const name = `lp-${r.metadata.name}`;
    await admin('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: r.rules });
    await admin('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: RUNNER, namespace: RUNNER_NS }],
    });
  }
}

beforeAll(async () => {
  k = await startWorld([...LEGACY_NS, ...Array.from({ length: APPLY_NAMESPACES }, (_, n) => [0, 1].flatMap((i) => legacyPair(`legacy-${n}`, i))).flat()]);
  work = mkdtempSync(path.join(tmpdir(), 'satoken-rbac-'));
  // The runner's own kubeconfig: the cluster and CA of the admin's, a real ServiceAccount token.
  const tr = await admin('POST', `/api/v1/namespaces/${RUNNER_NS}/serviceaccounts/${RUNNER}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 86400 } });
  kubeconfig = path.join(work, 'runner.kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'emulator', cluster: { server: k.url, 'certificate-authority-data': Buffer.from(k.caPem).toString('base64') } }],
      users: [{ name: RUNNER, user: { token: tr.status.token } }],
      contexts: [{ name: 'runner', context: { cluster: 'emulator', user: RUNNER, namespace: NS } }],
      'current-context': 'runner',
    }),
    { mode: 0o600 },
  );
}, 30_000);
afterAll(() => k?.stop());

interface Outcome {
  args: string[];
  run: CliRun;
  /** "METHOD path" of each 403 the runner met. */
  forbidden: string[];
}

async function runAll(runs: string[][]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const raw of runs) {
    // Each --apply run gets a fresh namespace of deletable tokens and a fresh backup directory.
    const n = raw.includes('@LEGACY@') ? legacyN++ : -1;
    if (n >= APPLY_NAMESPACES) throw new Error('more --apply runs than seeded namespaces');
    const args = raw.map((a) => (a === '@BACKUP@' ? path.join(work, `backup-${n}`) : a === '@LEGACY@' ? `legacy-${n}` : a));
    const mark = k.requests.length;
    const run = await cli([...args, '--request-timeout', '5s'], { kubeconfig, clock: () => k.clock.now() });
    noCrash(run);
    const forbidden = k.requests
      .slice(mark)
      .filter((r) => r.status === 403 && r.user === `system:serviceaccount:${RUNNER_NS}:${RUNNER}`)
      .map((r) => `${r.method} ${r.path.split('?')[0]}`);
    out.push({ args, run, forbidden });
  }
  return out;
}

/** How a missing permission may be named: its resource (pods/exec, tokenreviews…) or URL. */
function namesOf(rule: Rule): string[] {
  return [...(rule.resources ?? []), ...(rule.nonResourceURLs ?? [])];
}

/** Lines that say a check or step could not run. */
const skips = (r: CliRun) => (r.stdout.match(/^\s*(SKIP|skip)\b|\bskip\b/gm) ?? []).length;

describe.each(CASES)('$command', ({ roles, runs }) => {
  const full = roles.map((r) => ALL_ROLES.get(r)!);
  /** The runs with every right, to tell a lossless fallback from a degradation. */
  let baseline: Outcome[] = [];

  test('with exactly its role(s): works, not one 403', async () => {
    await bind(full);
    baseline = await runAll(runs);
    for (const o of baseline) {
      expect({ args: o.args.join(' '), code: o.run.code, forbidden: o.forbidden }).toEqual({ args: o.args.join(' '), code: expect.any(Number), forbidden: [] });
      // (A test-auth/diagnose result may well say "forbidden" about the tested token's own rights: not the runner's.)
      expect({ args: o.args.join(' '), code: [0, 3].includes(o.run.code), stderr: o.run.stderr }).toEqual({ args: o.args.join(' '), code: true, stderr: expect.not.stringMatching(/^error:/m) });
      expect(o.run.stdout).not.toMatch(/not permitted/i);
    }
  });

  test('each rule taken away: the runs that need it name the missing permission', async () => {
    const unused: string[] = [];
    let degraded = 0;
    for (const [ri, role] of full.entries()) {
      for (const [i, rule] of role.rules.entries()) {
        const fewer = full.map((r, j) => (j === ri ? { ...r, rules: r.rules.filter((_, n) => n !== i) } : r));
        await bind(fewer);
        const outcomes = await runAll(runs);
        const hit = outcomes.filter((o) => o.forbidden.length > 0);
        if (hit.length === 0) unused.push(`${role.metadata.name} rule ${i} (${namesOf(rule).join(', ')} ${rule.verbs.join(',')})`);
        for (const o of hit) {
          const text = o.run.stdout + o.run.stderr;
          // A 403 met by a fallback that loses nothing (diagnose: TokenReview → SelfSubjectReview) is fine.
          const base = baseline[outcomes.indexOf(o)];
          if (base && o.run.code === base.run.code && skips(o.run) <= skips(base.run) && !/^error:/m.test(o.run.stderr)) continue;
          degraded++;
          const context = `${role.metadata.name} without rule ${i} (${namesOf(rule).join(', ')}): ${o.args.join(' ')} → exit ${o.run.code}`;
          // A skip or warning in the result (exit 0/3), or an error (exit 1): either way it names what is missing.
          expect({ context, names: namesOf(rule).some((n) => text.includes(n.replace(/^\//, '')) || text.includes(n)) }).toEqual({ context, names: true });
          expect({ context, oneError: text.split('\n').filter((l) => l.startsWith('error: ')).length <= 1 }).toEqual({ context, oneError: true });
        }
      }
    }
    // Rules that no invocation here needed: shown, so that over-privilege is visible in the log.
    if (unused.length) process.stdout.write(`least privilege: not needed by these runs: ${unused.join('; ')}\n`);
    // Taking rules away did degrade something (each subcommand needs at least one of its rules).
    expect(degraded).toBeGreaterThan(0);
  }, 60_000);
});
