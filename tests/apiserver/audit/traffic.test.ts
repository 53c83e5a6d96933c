/**
 * The emulated apps' traffic: which pods talk, how many requests an advance brings (rate, carried
 * fractions, the per-advance cap), and that the token sent is the one the app holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start } from '../index';
import { createObject } from '../objects';
import { appTraffic, ANNOTATION_REQUESTS_PER_HOUR, MAX_REQUESTS_PER_ADVANCE } from './traffic';
import { APP_REQUESTS_PER_HOUR } from '../scenarios/audit';

const dir = mkdtempSync(path.join(tmpdir(), 'audit-traffic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pod(name: string, annotations: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', annotations }, spec: { containers: [{ name: 'app', image: 'app:1' }] } };
}

test('rate, carry-over and the per-advance cap; `never` and unannotated pods stay silent without an audit log', async () => {
  const k = await start();
  try {
    createObject(k.cluster, pod('chatty', { [ANNOTATION_REQUESTS_PER_HOUR]: '6' }));
    createObject(k.cluster, pod('quiet', { [ANNOTATION_REQUESTS_PER_HOUR]: '6', 'emulator.satoken.dev/token-read': 'never' }));
    createObject(k.cluster, pod('plain', {}));
    const t = appTraffic(k.cluster)!;
    const count = (name: string) => t.sent.filter((s) => s.pod === `default/${name}`).length;
    k.clock.advance(0); // the kubelet mounts the tokens
    await t.idle();
    expect(count('chatty')).toBe(0);
    k.clock.advance(15 * 60); // 1.5 requests due: one now, half carried
    await t.idle();
    expect(count('chatty')).toBe(1);
    k.clock.advance(5 * 60); // 0.5 + 0.5
    await t.idle();
    expect(count('chatty')).toBe(2);
    k.clock.advance(365 * 86400); // a year: capped
    await t.idle();
    expect(count('chatty')).toBe(2 + MAX_REQUESTS_PER_ADVANCE);
    expect(count('quiet')).toBe(0);
    expect(count('plain')).toBe(0);
    // Real requests through the front door, as the app's user agent (default `<container>/1.0`).
    const seen = k.requests.filter((r) => r.userAgent === 'app/1.0');
    expect(seen).toHaveLength(count('chatty'));
    expect(seen.every((r) => r.user === 'system:serviceaccount:default:default')).toBe(true);
  } finally {
    await k.stop();
  }
});

test('with an audit log, unannotated pods outside kube-system talk at the default rate', async () => {
  const k = await start({ auditLogPath: path.join(dir, 'a.log') });
  try {
    createObject(k.cluster, pod('plain', {}));
    const t = appTraffic(k.cluster)!;
    k.clock.advance(3600);
    await t.idle();
    expect(t.sent.filter((s) => s.pod === 'default/plain').length).toBeGreaterThan(0);
    expect(t.sent.some((s) => s.pod.startsWith('kube-system/'))).toBe(false);
  } finally {
    await k.stop();
  }
});

test('the audit scenario: a cached token stays the start-up one, a re-reading app follows the rotation', async () => {
  const k = await start({ scenarios: 'audit' });
  try {
    const podOf = (ns: string) => k.store.list(k.cluster.type('', 'pods'), ns).items[0]!.metadata.name;
    const ledger = podOf('audit-payments');
    const shop = podOf('audit-shop');
    const cached = k.kubelet.appToken('audit-payments', ledger)!.token;
    const before = k.kubelet.appToken('audit-shop', shop)!.token;
    k.clock.advance(7200);
    await appTraffic(k.cluster)!.idle();
    expect(k.kubelet.appToken('audit-payments', ledger)!.token).toBe(cached);
    expect(k.kubelet.appToken('audit-shop', shop)!.token).not.toBe(before);
    const sent = appTraffic(k.cluster)!.sent;
    // 2 h at APP_REQUESTS_PER_HOUR, capped per advance.
    expect(sent.filter((s) => s.pod === `audit-payments/${ledger}`)).toHaveLength(Math.min(2 * APP_REQUESTS_PER_HOUR, MAX_REQUESTS_PER_ADVANCE));
  } finally {
    await k.stop();
  }
});
