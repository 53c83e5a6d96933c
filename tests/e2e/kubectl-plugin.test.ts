/**
 * kubectl-satoken as kubectl sees it: the real /usr/bin/kubectl finds dist/kubectl-satoken on PATH.
 * PATH is built from scratch (dist/, a directory with only `node` = the project's Node 24, one with
 * only `kubectl`), because /usr/bin holds a Node 20 that the bundle must refuse.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COMMANDS } from '../../src/cli/commands/index';
import { BIN, cleanPath, ensureBundle, KUBECTL, ROOT } from '../support/bundle';
import { makeBoundToken, signatureOf } from '../support/tokens';

const hasKubectl = existsSync(KUBECTL);
const commandNames = COMMANDS.map((c) => c.command.split(' ')[0]);

let work: string;
let PATH24: string;
beforeAll(() => {
  ensureBundle();
  work = mkdtempSync(path.join(tmpdir(), 'satoken-kubectl-'));
  PATH24 = cleanPath(work);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function kubectl(args: string[], PATH = PATH24) {
  return spawnSync('kubectl', args, {
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH, HOME: work, KUBECONFIG: path.join(work, 'no-kubeconfig') },
  });
}

const skipReason = hasKubectl ? '' : ' (skipped: /usr/bin/kubectl is not installed)';
const kt = hasKubectl ? test : test.skip;

kt(`kubectl plugin list lists kubectl-satoken without warnings${skipReason}`, () => {
  const r = kubectl(['plugin', 'list']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(BIN);
  // Only executables named kubectl-* are plugins: the completion helper is not listed as one.
  expect(r.stdout).not.toContain('kubectl_complete');
});

kt('kubectl satoken --help names itself `kubectl satoken` and lists every subcommand', () => {
  const r = kubectl(['satoken', '--help']);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('Usage: kubectl satoken <command>');
  expect(r.stdout).not.toMatch(/kubectl-satoken </);
  for (const name of commandNames) expect(r.stdout).toMatch(new RegExp(`^ +kubectl satoken ${name}\\b`, 'm'));
});

kt('kubectl satoken --version prints the version, the git commit and the Node.js version inside', () => {
  const r = kubectl(['satoken', '--version']);
  expect(r.status).toBe(0);
  const pkg = require('../../package.json') as { version: string };
  expect(r.stdout.trim()).toMatch(new RegExp(`^kubectl-satoken ${pkg.version.replace(/\./g, '\\.')} \\(commit ([0-9a-f]{12}|unknown), node ${process.versions.node.replace(/\./g, '\\.')}\\)$`));
  // Built from a git checkout, the commit is real.
  const commit = /commit ([0-9a-f]{12})/.exec(r.stdout)![1];
  expect(execFileSync('git', ['cat-file', '-t', commit], { cwd: ROOT }).toString().trim()).toBe('commit');
});

kt('kubectl satoken decode TOKEN works through kubectl and never prints the signature', () => {
  // Issued a minute ago by the wall clock: the spawned plugin judges it against real time.
  const token = makeBoundToken({ namespace: 'shop', issuedAt: new Date(Date.now() - 60_000) });
  const r = kubectl(['satoken', 'decode', token]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('system:serviceaccount:shop:app');
  expect(r.stdout).not.toContain(signatureOf(token));
});

const OLD_NODE = '/usr/bin/node';
const oldNode = existsSync(OLD_NODE) && spawnSync(OLD_NODE, ['-e', 'process.exit(+process.versions.node.split(".")[0] < 22 ? 0 : 1)']).status === 0;
(hasKubectl && oldNode ? test : test.skip)(`on a Node.js older than 22.19 the bundle refuses with one line naming the fix${oldNode ? '' : ' (skipped: no Node < 22 at /usr/bin/node)'}`, () => {
  const r = kubectl(['satoken', '--version'], cleanPath(work, OLD_NODE));
  expect(r.status).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^error: kubectl-satoken needs Node\.js >= 22\.19 .*krew/);
});
