/**
 * Exec credential plugins against the emulator, as client-go runs them (src/kube/exec-plugin.ts):
 * a stand-in plugin (a small Node script written here) prints an ExecCredential with a real
 * ServiceAccount token or the admin's client certificate, and logs what it was given (argv, env,
 * KUBERNETES_EXEC_INFO) to a file. Real kubeconfig files, real client-node, real HTTPS; the real
 * kubectl (when on PATH) is asked the same and must agree.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { start, type Emulator } from '../../apiserver';
import { connect } from '../../../src/kube/connect';
import type { ConnectionFlags } from '../../../src/kube/types';
import { cli } from '../../support/cli';
import { findKubectl } from '../../support/kubectl';

const dir = mkdtempSync(path.join(tmpdir(), 'satoken-exec-'));
const never = new AbortController().signal;
const kubectl = findKubectl();

const PLUGIN = path.join(dir, 'stand-in-plugin');
writeFileSync(
  PLUGIN,
  `#!/usr/bin/env node
const fs = require('node:fs');
const [log, answers] = process.argv.slice(2);
fs.appendFileSync(log, JSON.stringify({ argv: process.argv.slice(2), info: process.env.KUBERNETES_EXEC_INFO, fromEnv: process.env.FROM_EXEC_ENV }) + '\\n');
const n = fs.readFileSync(log, 'utf8').trim().split('\\n').length;
const list = JSON.parse(fs.readFileSync(answers, 'utf8'));
const status = list[Math.min(n, list.length) - 1];
const apiVersion = JSON.parse(process.env.KUBERNETES_EXEC_INFO).apiVersion;
process.stderr.write('stand-in plugin: run ' + n + '\\n');
process.stdout.write(JSON.stringify({ kind: 'ExecCredential', apiVersion, status }));
`,
);
chmodSync(PLUGIN, 0o755);

let k: Emulator;
let cluster: Record<string, unknown>;
let saToken: string;
let adminCert: { cert: string; key: string };
beforeAll(async () => {
  k = await start({ scenarios: 'healthy' });
  const kc = parse(k.kubeconfig);
  cluster = kc.clusters[0].cluster;
  const user = kc.users[0].user;
  adminCert = { cert: Buffer.from(user['client-certificate-data'], 'base64').toString(), key: Buffer.from(user['client-key-data'], 'base64').toString() };
  const r = await k.adminRequest('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  saToken = r.body.status.token;
}, 60_000);
afterAll(() => k?.stop());

let n = 0;
/** A kubeconfig whose user runs the stand-in; `answers` are the statuses it prints, run after run (the last repeats). */
function execKubeconfig(answers: unknown[], exec: Record<string, unknown> = {}, clusterExtra: Record<string, unknown> = {}) {
  const id = n++;
  const log = path.join(dir, `runs-${id}.jsonl`);
  const answersFile = path.join(dir, `answers-${id}.json`);
  writeFileSync(answersFile, JSON.stringify(answers));
  writeFileSync(log, '');
  const file = path.join(dir, `kubeconfig-${id}`);
  const user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: PLUGIN, args: [log, answersFile], interactiveMode: 'Never', ...exec } };
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'emu', cluster: { ...cluster, ...clusterExtra } }],
      users: [{ name: 'plugin-user', user }],
      contexts: [{ name: 'emu', context: { cluster: 'emu', user: 'plugin-user' } }],
      'current-context': 'emu',
    }),
  );
  const runs = () =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { argv: string[]; info: string; fromEnv?: string });
  return { file, runs };
}

const flags = (kubeconfig: string, over: Partial<ConnectionFlags> = {}): ConnectionFlags => ({ kubeconfig, requestTimeoutMs: 10_000, ...over });
const whoami = async (file: string, extra: string[] = [], env: Record<string, string> = {}) => cli(['whoami', '-o', 'json', ...extra], { kubeconfig: file, env });

function kubectlRun(args: string[], kubeconfig: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(kubectl!, args, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code) || 1 : 0, stdout, stderr }),
    ),
  );
}

describe('what the plugin is given', () => {
  it('args, env, and KUBERNETES_EXEC_INFO without the cluster unless provideClusterInfo', async () => {
    const { file, runs } = execKubeconfig([{ token: saToken }], { env: [{ name: 'FROM_EXEC_ENV', value: 'yes' }] });
    const r = await whoami(file);
    expect(r.stderr).toBe('stand-in plugin: run 1\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).user.username).toBe('system:serviceaccount:default:default');
    const [first] = runs();
    expect(first.fromEnv).toBe('yes');
    // Go's encoding of the v1 ExecCredential: kind, apiVersion, spec.interactive (stdin is not a terminal here: Never anyway).
    expect(first.info).toBe('{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}');
  });

  it('provideClusterInfo: server, CA data, tls-server-name, disable-compression and the exec extension; interactive as IfAvailable decides', async () => {
    const ext = { audience: 'emulator' };
    const { file, runs } = execKubeconfig([{ token: saToken }], { provideClusterInfo: true, apiVersion: 'client.authentication.k8s.io/v1beta1', interactiveMode: undefined }, {
      'tls-server-name': 'localhost',
      'disable-compression': true,
      extensions: [{ name: 'client.authentication.k8s.io/exec', extension: ext }],
    });
    // v1beta1 defaults to IfAvailable: interactive when stdin is a terminal (cli()'s default), not when it is piped.
    const r = await whoami(file);
    expect(r.code).toBe(0);
    expect((await cli(['whoami'], { kubeconfig: file, stdin: '' })).code).toBe(0);
    const [onTerminal, piped] = runs().map((x) => JSON.parse(x.info));
    expect(piped.spec.interactive).toBe(false);
    expect(onTerminal).toEqual({
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      spec: {
        cluster: { server: k.url, 'tls-server-name': 'localhost', 'certificate-authority-data': cluster['certificate-authority-data'], 'disable-compression': true, config: ext },
        interactive: true,
      },
    });
  });
});

describe('caching and refresh', () => {
  it('credentials are cached in-process until expirationTimestamp', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    const cached = execKubeconfig([{ token: saToken, expirationTimestamp: future }]);
    const conn = await connect(flags(cached.file), {}, never);
    for (let i = 0; i < 3; i++) await conn.api.readServiceAccount('default', 'default').catch(() => undefined);
    expect(cached.runs()).toHaveLength(1);

    const past = new Date(Date.now() - 1000).toISOString();
    const expired = execKubeconfig([{ token: saToken, expirationTimestamp: past }]);
    const conn2 = await connect(flags(expired.file), {}, never);
    for (let i = 0; i < 3; i++) await conn2.api.createSelfSubjectReview();
    expect(expired.runs()).toHaveLength(3);
  });

  it('a 401 makes the plugin run again for the next request (that request fails, as in client-go)', async () => {
    const { file, runs } = execKubeconfig([{ token: 'not-a-valid-token' }, { token: saToken }]);
    const conn = await connect(flags(file), {}, never);
    await expect(conn.api.createSelfSubjectReview()).rejects.toMatchObject({ code: 401 });
    const r = await conn.api.createSelfSubjectReview();
    expect(r.status?.userInfo?.username).toBe('system:serviceaccount:default:default');
    expect(runs()).toHaveLength(2);
  });

  it('a client certificate from the plugin authenticates (exec client-key-data/client-certificate-data)', async () => {
    const { file } = execKubeconfig([{ clientCertificateData: adminCert.cert, clientKeyData: adminCert.key }]);
    const r = await whoami(file);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).user.username).toBe('kubernetes-admin');
  });

  it('--token replaces the plugin: it never runs', async () => {
    const { file, runs } = execKubeconfig([{ token: 'unused' }]);
    const r = await whoami(file, ['--token', saToken]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ user: { username: 'system:serviceaccount:default:default' }, credential: { kind: 'token' } });
    expect(runs()).toHaveLength(0);
  });
});

describe("kubectl's messages", () => {
  const cases: Array<[string, Record<string, unknown>, RegExp, number]> = [
    ['v1 without interactiveMode', { interactiveMode: undefined }, /^error: interactiveMode must be specified for plugin-user to use exec authentication plugin$/m, 1],
    ['an unknown interactiveMode', { interactiveMode: 'Sometimes' }, /^error: invalid interactiveMode for plugin-user: "Sometimes"$/m, 1],
    ['an unknown apiVersion', { apiVersion: 'client.authentication.k8s.io/v1alpha1' }, /^error: exec plugin: invalid apiVersion "client.authentication.k8s.io\/v1alpha1"$/m, 1],
    ['Always without a terminal', { interactiveMode: 'Always' }, /^error: getting credentials: exec plugin cannot support interactive mode: standard input is not a terminal$/m, 1],
    [
      'a command that is not installed, with its installHint',
      { command: 'satoken-no-such-plugin', installHint: 'install it: brew install satoken-login' },
      /^error: getting credentials: exec: executable satoken-no-such-plugin not found\nhint: install it: brew install satoken-login \(It looks like you are trying to use a client-go credential plugin that is not installed\./m,
      1,
    ],
  ];
  it.each(cases)('%s', async (_what, exec, says, code) => {
    const { file } = execKubeconfig([{ token: saToken }], exec);
    // stdin piped (not a terminal), as in CI.
    const r = await cli(['whoami', '-o', 'json'], { kubeconfig: file, stdin: '' });
    expect(r.stderr).toMatch(says);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    if (kubectl) {
      // The same words from the real kubectl (it prefixes some with "Unable to connect to the server: ").
      const line = says.source.replace(/^\^error: /, '').split('\\n')[0].replace(/\$$/, '');
      const theirs = await kubectlRun(['auth', 'whoami'], file);
      expect(theirs.stderr).toMatch(new RegExp(line, 'm'));
    }
  });

  it('a failing plugin: its stderr reaches the user, the error names its exit code', async () => {
    const script = path.join(dir, 'fails.sh');
    writeFileSync(script, '#!/bin/sh\necho "login expired, run sso login" >&2\nexit 3\n');
    chmodSync(script, 0o755);
    const { file } = execKubeconfig([], { command: script, args: [] });
    const r = await whoami(file);
    expect(r.stderr).toBe(`login expired, run sso login\nerror: getting credentials: exec: executable ${script} failed with exit code 3\nhint: what the plugin printed is above; run it by hand to see what it needs (a login?)\n`);
    expect(r.code).toBe(1);
    if (kubectl) expect((await kubectlRun(['auth', 'whoami'], file)).stderr).toContain(`getting credentials: exec: executable ${script} failed with exit code 3`);
  });

  it("a plugin's stderr reaches the user line by line, its control characters escaped", async () => {
    const script = path.join(dir, 'hostile.sh');
    // OSC 52 (clipboard), clear screen, CR over the line, then a second line of its own.
    writeFileSync(script, '#!/bin/sh\nprintf \'open \\033]52;c;eA==\\007\\033[2J\\rthis\\nerror: forged\\r\\n\' >&2\nexit 3\n');
    chmodSync(script, 0o755);
    const { file } = execKubeconfig([], { command: script, args: [] });
    const r = await whoami(file);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual(['open \\u001b]52;c;eA==\\u0007\\u001b[2J\\rthis', 'error: forged']);
    expect(r.stderr).not.toMatch(/[\u001b\u0007\r]/);
    expect(r.code).toBe(1);
  });
});
