import { gzipSync } from 'node:zlib';
import type { LogSource } from '../../../../src/commands/audit/read';
import { deniedRequests } from '../../../../src/commands/diagnose/denied';

const who = { username: 'system:serviceaccount:shop:app', podName: 'web-1' };
const event = (o: Record<string, unknown> = {}) =>
  JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    verb: 'get',
    objectRef: { resource: 'pods', namespace: 'shop', name: 'web-1', apiVersion: 'v1' },
    user: { username: who.username, extra: { 'authentication.kubernetes.io/pod-name': ['web-1'] } },
    responseStatus: { code: 403 },
    requestReceivedTimestamp: '2026-11-28T10:00:00.000000Z',
    ...o,
  });
async function* chunks(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}
const source = (text: string | Buffer): LogSource => ({ name: 'audit.log', open: async () => chunks(typeof text === 'string' ? Buffer.from(`${text}\n`) : text) });

test('counts this pod\'s 403s by verb and resource (no object name), the last time kept; other codes, users and pods are left out', async () => {
  const log = [
    event(),
    event({ requestReceivedTimestamp: '2026-11-28T11:00:00.000000Z', objectRef: { resource: 'pods', namespace: 'shop', name: 'web-2' } }),
    event({ responseStatus: { code: 200 } }),
    event({ user: { username: 'system:serviceaccount:shop:other' } }),
    event({ user: { username: who.username, extra: { 'authentication.kubernetes.io/pod-name': ['web-9'] } } }),
    event({ verb: 'patch', objectRef: { resource: 'deployments', subresource: 'scale', apiGroup: 'apps', namespace: 'shop' }, user: { username: who.username } }),
    event({ objectRef: undefined, requestURI: '/healthz' }),
    '{"truncated',
  ].join('\n');
  const r = await deniedRequests([source(log)], who);
  expect(r).toEqual({
    ok: true,
    value: [
      { attrs: { verb: 'get', resource: 'pods', namespace: 'shop' }, count: 2, last: '2026-11-28T11:00:00.000000Z' },
      { attrs: { verb: 'patch', resource: 'deployments', group: 'apps', subresource: 'scale', namespace: 'shop' }, count: 1, last: '2026-11-28T10:00:00.000000Z' },
    ],
  });
});

test('a gzipped log is read; a hostile log of many distinct requests is bounded', async () => {
  const many = Array.from({ length: 500 }, (_, i) => event({ verb: `verb${String.fromCharCode(97 + (i % 26))}${i}` })).join('\n');
  const r = await deniedRequests([source(gzipSync(many))], who);
  expect(r.ok && r.value.length).toBe(50);
});

test('an unreadable log is a reason, not a throw', async () => {
  const r = await deniedRequests([{ name: 'gone.log', open: async () => Promise.reject(new Error('ENOENT: no such file')) }], who);
  expect(r).toEqual({ ok: false, why: { kind: 'error', message: 'the audit log could not be read: ENOENT: no such file' } });
});
