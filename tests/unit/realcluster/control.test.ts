/**
 * The real cluster launcher's control channel (scripts/realcluster/control.mjs) and the test side's
 * client (control() in tests/real/support/shared.ts), with a handler of our own instead of a cluster.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { checkExtraArgs, serveControl } from '../../../scripts/realcluster/control.mjs';
import { control } from '../../real/support/shared';

let dir: string;
let close: (() => void) | undefined;
beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'satoken-control-')); });
afterEach(() => { close?.(); close = undefined; rmSync(dir, { recursive: true, force: true }); });

const listening = async (socket: string) => {
  for (let i = 0; i < 100; i++) {
    try { statSync(socket); if ((statSync(socket).mode & 0o777) === 0o600) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('extra args: --name or --name=value only, and never the flags that keep a component on loopback with its identity', () => {
  expect(checkExtraArgs('kube-apiserver', undefined)).toEqual({ args: [] });
  expect(checkExtraArgs('kube-apiserver', ['--api-audiences=a,b', '--v'])).toEqual({ args: ['--api-audiences=a,b', '--v'] });
  expect(checkExtraArgs('kube-apiserver', '--v=2')).toEqual({ error: 'kube-apiserver args must be a list of strings' });
  expect(checkExtraArgs('kube-apiserver', ['-v'])).toEqual({ error: 'kube-apiserver arg "-v" is not --name or --name=value' });
  expect(checkExtraArgs('kube-apiserver', ['--x=a\nb'])).toEqual({ error: 'kube-apiserver arg "--x=a\\nb" is not --name or --name=value' });
  expect(checkExtraArgs('kube-apiserver', ['--bind-address=0.0.0.0'])).toEqual({ error: 'kube-apiserver --bind-address stays as the launcher set it (loopback only, its own identity)' });
  expect(checkExtraArgs('kube-controller-manager', ['--secure-port=10257'])).toEqual({ error: 'kube-controller-manager --secure-port stays as the launcher set it (loopback only, its own identity)' });
  expect(checkExtraArgs('kube-controller-manager', ['--legacy-service-account-token-clean-up-period=60s'])).toEqual({ args: ['--legacy-service-account-token-clean-up-period=60s'] });
});

test('one answer line per request, requests run one at a time in arrival order, the socket is root-only', async () => {
  const socket = path.join(dir, 'control.sock');
  const log: string[] = [];
  close = serveControl(socket, async (req: any) => {
    log.push(`start ${req.n}`);
    await new Promise((r) => setTimeout(r, req.n === 1 ? 200 : 10));
    log.push(`end ${req.n}`);
    return { ok: true, profile: 'kubeadm', apiserverArgs: [], controllerManagerArgs: [], kubelet: true, n: req.n };
  });
  await listening(socket);
  expect(statSync(socket).mode & 0o777).toBe(0o600);
  const answers = await Promise.all([control(socket, { n: 1 }), control(socket, { n: 2 })]);
  expect(answers.map((a: any) => a.n)).toEqual([1, 2]);
  expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
});

test('a refusal rejects with the launcher\'s one line; a thrown handler error and bad JSON are refusals too', async () => {
  const socket = path.join(dir, 'control.sock');
  close = serveControl(socket, async (req: any) => {
    if (req.op === 'throw') throw new Error('went wrong\nsecond line');
    return { ok: false, error: 'unknown op' };
  });
  await listening(socket);
  await expect(control(socket, { op: 'nope' })).rejects.toThrow('the real cluster refused {"op":"nope"}: unknown op');
  await expect(control(socket, { op: 'throw' })).rejects.toThrow(/: went wrong$/);
  const raw = await new Promise<string>((resolve) => {
    const c = net.createConnection(socket, () => c.write('[1]\nnot json\n'));
    let buf = '';
    c.setEncoding('utf8');
    c.on('data', (d) => { buf += d; if (buf.split('\n').length > 2) { c.end(); resolve(buf); } });
  });
  const [a, b] = raw.trim().split('\n').map((l) => JSON.parse(l));
  expect(a).toEqual({ ok: false, error: 'a request is a JSON object' });
  expect(b.ok).toBe(false);
  expect(b.error).toMatch(/JSON/);
});

test('no launcher listening: the client says which socket', async () => {
  await expect(control(path.join(dir, 'absent.sock'), { op: 'status' })).rejects.toThrow(`the control channel ${path.join(dir, 'absent.sock')}: connect ENOENT`);
});
