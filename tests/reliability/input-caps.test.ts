/**
 * What the plugin reads from outside the API server's REST answers is capped too (src/limits.ts),
 * and cut when the cap is reached rather than read first: an exec credential plugin that never
 * stops writing is killed, a container whose `cat` never ends has its exec stream closed, and a file
 * or stdin the user names is refused by its size or after one byte past the cap. Each case runs
 * the built bundle: one `error:` line, exit 1 (plugin, server) or 2 (the user's input), little time,
 * and a bounded peak RSS.
 */
import { mkdtempSync, readFileSync, writeFileSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { json, pem, startFaultServer, writeKubeconfig, type FaultServer } from '../integration/kube/support/fault-server';
import { oneCleanErrorLine, runBundle, type BundleRun } from './support/spawn';

const MAX_RSS_MIB = 512;
const dir = mkdtempSync(path.join(tmpdir(), 'satoken-caps-'));
let server: FaultServer;
let kubeconfig: string;

beforeAll(async () => {
  server = await startFaultServer('server');
  kubeconfig = writeKubeconfig(server.url, pem('ca.crt'), 'user-token-abc', 'shop');
});
afterAll(() => server?.stop());

function fails(r: BundleRun, code: 1 | 2, says: RegExp): void {
  expect(oneCleanErrorLine(r)).toBe('one error line');
  expect(r.stderr).toMatch(says);
  expect(r.code).toBe(code);
  expect(r.maxRssMiB).toBeGreaterThan(0);
  expect(r.maxRssMiB).toBeLessThan(MAX_RSS_MIB);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('an exec credential plugin that never stops writing (yes) is killed at the cap: exit 1', async () => {
  const pidFile = path.join(dir, 'plugin.pid');
  const kc = JSON.parse(readFileSync(kubeconfig, 'utf8'));
  kc.users[0].user = {
    exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', `echo $$ > ${pidFile}; exec /usr/bin/yes`], interactiveMode: 'Never' },
  };
  const config = path.join(dir, 'exec-yes.config');
  writeFileSync(config, JSON.stringify(kc));
  const r = await runBundle(['whoami', '--request-timeout', '30s'], { env: { KUBECONFIG: config } });
  fails(r, 1, /^error: getting credentials: exec: executable \/bin\/sh printed more than 4 MiB on stdout/m);
  // Killed when the cap was reached, not left running (nor waited for until the timeout).
  expect(r.ms).toBeLessThan(20_000);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  expect(alive(pid)).toBe(false);
}, 40_000);

test('decode -f /dev/zero stops one byte past 1 MiB: exit 2', async () => {
  const r = await runBundle(['decode', '-f', '/dev/zero']);
  fails(r, 2, /^error: cannot read -f \/dev\/zero \(larger than 1 MiB, the limit for a token file\)$/m);
  expect(r.maxRssMiB).toBeLessThan(200);
}, 40_000);

test('decode -f of a 1.5 GB file is refused by its size, before a byte is read: exit 2', async () => {
  const big = path.join(dir, 'big.token');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 1536 * 1024 * 1024); // sparse: no disk used
  closeSync(fd);
  const r = await runBundle(['decode', '-f', big]);
  fails(r, 2, /\(larger than 1 MiB, the limit for a token file\)$/m);
  expect(r.maxRssMiB).toBeLessThan(200);
}, 40_000);

test('decode - with 20 MiB on stdin stops at the cap: exit 2', async () => {
  const r = await runBundle(['decode', '-'], { stdin: 'a'.repeat(20 * 1024 * 1024) });
  fails(r, 2, /^error: cannot read stdin \(larger than 1 MiB, the limit for a token on stdin\)$/m);
}, 40_000);

test('decode --pod where the container writes without end: the exec stream is closed at the cap, exit 1', async () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { containers: [{ name: 'app', image: 'busybox' }] },
  };
  server.handle = (_q, res) => json(res, 200, pod);
  let sent = 0;
  server.onUpgrade = (ws) => {
    const frame = Buffer.concat([Buffer.from([1]), Buffer.alloc(64 * 1024, 'e')]);
    const pump = () => {
      while (ws.readyState === ws.OPEN && ws.bufferedAmount < 1 << 20) {
        ws.send(frame);
        sent += frame.length;
      }
      if (ws.readyState === ws.OPEN) setTimeout(pump, 1);
    };
    pump();
  };
  const r = await runBundle(['decode', '--pod', 'web', '-n', 'shop', '--request-timeout', '30s'], { env: { KUBECONFIG: kubeconfig } });
  server.onUpgrade = undefined;
  fails(r, 1, /larger than 4 MiB, the limit for the stdout of a command in a container/);
  expect(r.ms).toBeLessThan(20_000);
  expect(sent).toBeGreaterThan(4 * 1024 * 1024);
}, 40_000);

test('a kubeconfig larger than 16 MiB is refused by its size: exit 1', async () => {
  const config = path.join(dir, 'huge.config');
  writeFileSync(config, `# ${'x'.repeat(17 * 1024 * 1024)}\n`);
  const r = await runBundle(['whoami'], { env: { KUBECONFIG: config } });
  fails(r, 1, /^error: cannot read kubeconfig .*huge\.config \(larger than 16 MiB, the limit for a kubeconfig\)$/m);
}, 40_000);

test('an audit log line of millions of empty JSON objects is skipped unparsed, not parsed into gigabytes', async () => {
  const log = path.join(dir, 'bomb.log');
  const event = '{"kind":"Event","stage":"ResponseComplete","requestReceivedTimestamp":"2026-11-27T04:00:00.000000Z","annotations":{"authentication.k8s.io/legacy-token-autogenerated-secret":"app-legacy"},"x":[';
  writeFileSync(log, `${event}${'{},'.repeat(20_000_000)}{}]}\n`);
  const r = await runBundle(['audit', '--log', log]);
  expect(r.stderr).toMatch(/skipped a malformed line \(more than 2000000 JSON values\)/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.code).toBe(0);
  expect(r.maxRssMiB).toBeGreaterThan(0);
  expect(r.maxRssMiB).toBeLessThan(MAX_RSS_MIB);
}, 60_000);
