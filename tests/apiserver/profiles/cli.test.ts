/**
 * `npm run cluster -- --profile aks`: the emulator in a child process prints `ready URL` then
 * `env FILE`; a shell that sources FILE runs the real kubectl with the written kubeconfig (kubelogin
 * stand-in found on PATH). Skipped, with the reason printed, when no kubectl is on PATH.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
let skip: string | undefined;
try {
  execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
} catch (e) {
  skip = `kubectl not runnable: ${(e as Error).message.split('\n')[0]}`;
}
if (skip) process.stdout.write(`profiles/cli: skipped (${skip})\n`);
const run = skip ? test.skip : test;

let child: ChildProcess | undefined;
const work = mkdtempSync(path.join(tmpdir(), 'profile-cli-'));
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  rmSync(work, { recursive: true, force: true });
});

run('npm run cluster -- --profile aks --identity viewer: ready, env FILE, and kubectl works after sourcing it', async () => {
  const kubeconfig = path.join(work, 'config');
  child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'cluster.mjs'), '--profile', 'aks', '--identity', 'viewer', '--kubeconfig', kubeconfig], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  const lines = await new Promise<string[]>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the emulator did not start: ${err}`)), 60_000);
    child!.stdout!.on('data', (c: Buffer) => {
      out += c;
      if (/^env .+\n/m.test(out)) {
        clearTimeout(t);
        resolve(out.trim().split('\n'));
      }
    });
    child!.on('exit', (code) => reject(new Error(`the emulator exited (${code}): ${err}`)));
  });
  expect(lines[0]).toMatch(/^ready https:\/\/127\.0\.0\.1:\d+$/);
  expect(lines[1]).toBe(`env ${kubeconfig}.env`);
  const whoami = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile('sh', ['-c', `. "${kubeconfig}.env" && kubectl auth whoami -o jsonpath='{.status.userInfo.username}' && kubectl get --raw /openid/v1/jwks`], { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: work }, timeout: 30_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
    ),
  );
  expect(whoami.stdout).toBe('satoken-viewer@contoso.com');
  expect(whoami.code).toBe(1);
  expect(whoami.stderr).toMatch(/Forbidden/);
}, 90_000);
