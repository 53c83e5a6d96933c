/**
 * deploy/rbac/: one ClusterRole per subcommand (plus the -apply role and a read-only one), well
 * formed, no wildcards, read-only where the subcommand only reads, each one in the README table;
 * and real kubectl applies them all to the API server emulator. (Least privilege — each subcommand
 * works with its role and fails without it — is for a test against the emulator per subcommand.)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { COMMANDS } from '../../src/cli/commands/index';
import { start } from '../apiserver';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.join(ROOT, 'deploy', 'rbac');

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}
interface Role {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  rules: Rule[];
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const roles = new Map<string, { file: string; role: Role }>();
for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(path.join(DIR, file), 'utf8'))) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const role = doc.toJS() as Role;
    roles.set(role.metadata.name, { file, role });
  }
}

/** Does `role` grant `verb` on `resource` (group/resource[/subresource])? */
function grants(role: Role, verb: string, group: string, resource: string): boolean {
  return role.rules.some((r) => (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resource) && r.verbs.includes(verb));
}

const READ = ['get', 'list', 'watch'];
const roleOf = (name: string) => roles.get(name)!.role;

test('one ClusterRole per subcommand of the cli, in a file named after it', () => {
  for (const c of COMMANDS) {
    const name = `satoken-${c.command.split(' ')[0]}`;
    expect(roles.get(name)?.file).toBe(`${name}.yaml`);
  }
  expect([...roles.keys()]).toEqual(expect.arrayContaining(['satoken-reader', 'satoken-migrate-legacy-apply']));
});

test.each([...roles.keys()])('%s is a well-formed ClusterRole with no wildcard', (name) => {
  const role = roleOf(name);
  expect(role.apiVersion).toBe('rbac.authorization.k8s.io/v1');
  expect(role.kind).toBe('ClusterRole');
  expect(role.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'kubectl-satoken' });
  expect(role.rules.length).toBeGreaterThan(0);
  for (const r of role.rules) {
    expect([...(r.apiGroups ?? []), ...(r.resources ?? []), ...r.verbs, ...(r.nonResourceURLs ?? [])]).not.toContain('*');
    expect(r.verbs.every((v) => ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].includes(v))).toBe(true);
    if (r.nonResourceURLs) {
      expect(r.resources).toBeUndefined();
      expect(r.verbs).toEqual(['get']);
    } else {
      expect(r.apiGroups?.length).toBeGreaterThan(0);
      expect(r.resources?.length).toBeGreaterThan(0);
    }
  }
});

test('roles of subcommands that only read grant only reads (exec and reviews aside, where said)', () => {
  for (const name of ['satoken-reader', 'satoken-migrate-legacy', 'satoken-audit']) {
    for (const r of roleOf(name).rules) expect(r.verbs.every((v) => READ.includes(v))).toBe(true);
  }
  for (const name of ['satoken-decode', 'satoken-diagnose', 'satoken-test-auth', 'satoken-mint']) {
    for (const r of roleOf(name).rules) {
      const writes = r.verbs.filter((v) => !READ.includes(v));
      // the only creates: exec into a pod, a review, a TokenRequest — never a change to an object
      for (const res of writes.length ? (r.resources ?? []) : []) {
        expect(['pods/exec', 'tokenreviews', 'subjectaccessreviews', 'serviceaccounts/token']).toContain(res);
      }
      expect(writes.every((v) => v === 'create')).toBe(true);
    }
  }
});

test('each role grants what its subcommand does', () => {
  expect(grants(roleOf('satoken-mint'), 'create', '', 'serviceaccounts/token')).toBe(true);
  expect(grants(roleOf('satoken-mint'), 'create', '', 'pods/exec')).toBe(false);
  expect(grants(roleOf('satoken-decode'), 'create', '', 'pods/exec')).toBe(true);
  expect(grants(roleOf('satoken-test-auth'), 'create', 'authentication.k8s.io', 'tokenreviews')).toBe(true);
  expect(grants(roleOf('satoken-test-auth'), 'create', '', 'serviceaccounts/token')).toBe(true);
  const diagnose = roleOf('satoken-diagnose');
  for (const res of ['pods', 'serviceaccounts', 'secrets', 'events', 'configmaps', 'nodes']) {
    expect(grants(diagnose, 'get', '', res) && grants(diagnose, 'list', '', res)).toBe(true);
  }
  expect(grants(diagnose, 'create', '', 'pods/exec')).toBe(true);
  expect(grants(diagnose, 'create', 'authentication.k8s.io', 'tokenreviews')).toBe(true);
  const apply = roleOf('satoken-migrate-legacy-apply');
  expect(grants(apply, 'delete', '', 'secrets')).toBe(true);
  expect(grants(apply, 'patch', 'apps', 'deployments')).toBe(true);
  expect(grants(roleOf('satoken-migrate-legacy'), 'delete', '', 'secrets')).toBe(false);
});

test('the README RBAC table names every role and its file', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## RBAC'), readme.indexOf('\n## ', readme.indexOf('## RBAC') + 1));
  for (const name of roles.keys()) expect(section).toContain(`\`${name}\``);
  for (const c of COMMANDS) expect(section).toContain(`| \`${c.command.split(' ')[0]}\``);
});

const kubectl = existsSync('/usr/bin/kubectl');
(kubectl ? test : test.skip)(`kubectl apply -f deploy/rbac/ creates every role on the emulator${kubectl ? '' : ' (skipped: no /usr/bin/kubectl)'}`, async () => {
  const k = await start();
  try {
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const c = spawn('/usr/bin/kubectl', ['apply', '-f', DIR], { env: { PATH: '/usr/bin:/bin', KUBECONFIG: k.kubeconfigPath, HOME: mkdtempSync(path.join(tmpdir(), 'satoken-rbac-home-')) } });
      let text = '';
      c.stdout.on('data', (d) => (text += d));
      c.stderr.on('data', (d) => (text += d));
      c.on('close', (code) => resolve({ code, text }));
    });
    expect(out.code).toBe(0);
    for (const name of roles.keys()) expect(out.text).toContain(`clusterrole.rbac.authorization.k8s.io/${name} created`);
    const stored = await k.adminRequest('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/satoken-mint');
    expect(stored.body.rules).toEqual(roleOf('satoken-mint').rules);
  } finally {
    await k.stop();
  }
}, 60_000);
