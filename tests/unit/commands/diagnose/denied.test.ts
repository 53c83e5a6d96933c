import { gzipSync } from 'node:zlib';
import type { LogSource } from '../../../../src/commands/audit/read';
import { deniedRequests, podRequests } from '../../../../src/commands/diagnose/denied';

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

describe('the tokens the pod presented (same pass)', () => {
  const ok = (o: Record<string, unknown> = {}) => {
    const base = JSON.parse(event({ responseStatus: { code: 200 }, stage: 'ResponseComplete', ...o }));
    return JSON.stringify(base);
  };
  const extra = (jti: string, pod = 'web-1', uid = 'uid-1') => ({
    username: who.username,
    extra: { 'authentication.kubernetes.io/pod-name': [pod], 'authentication.kubernetes.io/pod-uid': [uid], 'authentication.kubernetes.io/credential-id': [`JTI=${jti}`] },
  });
  const stale = { 'authentication.k8s.io/stale-token': 'subject: system:serviceaccount:shop:app, seconds after warning threshold: 60' };

  test('by credential-id: counted once per request (the ending stage), first/last/stale kept; other pods, an earlier pod of the name, and legacy tokens left out', async () => {
    const log = [
      ok({ user: extra('a'), stage: 'RequestReceived', responseStatus: undefined }),
      ok({ user: extra('a'), requestReceivedTimestamp: '2026-11-28T10:00:00.000000Z' }),
      ok({ user: extra('a'), requestReceivedTimestamp: '2026-11-28T11:00:00.000000Z', annotations: stale }),
      ok({ user: extra('b'), requestReceivedTimestamp: '2026-11-28T11:30:00.000000Z' }),
      ok({ user: extra('c', 'web-2') }),
      ok({ user: extra('d', 'web-1', 'uid-0') }),
      ok({ user: { username: who.username } }),
    ].join('\n');
    const r = await podRequests([source(log)], { ...who, podUid: 'uid-1' });
    expect(r.ok && r.value.uses).toEqual({
      ok: true,
      value: {
        requests: 3,
        tokens: [
          { credential: 'JTI=b', count: 1, first: '2026-11-28T11:30:00.000000Z', last: '2026-11-28T11:30:00.000000Z', stale: 0 },
          { credential: 'JTI=a', count: 2, first: '2026-11-28T10:00:00.000000Z', last: '2026-11-28T11:00:00.000000Z', stale: 1, lastStale: '2026-11-28T11:00:00.000000Z' },
        ],
      },
    });
  });

  test('a policy that writes only RequestReceived: those count instead; distinct tokens are bounded', async () => {
    const many = Array.from({ length: 40 }, (_, i) => ok({ user: extra(`t${i}`), stage: 'RequestReceived', responseStatus: undefined })).join('\n');
    const r = await podRequests([source(many)], who);
    const uses = r.ok && r.value.uses.ok ? r.value.uses.value : undefined;
    expect(uses?.tokens).toHaveLength(32);
    expect(uses?.truncated).toBe(true);
    expect(uses?.requests).toBe(40);
  });
});
