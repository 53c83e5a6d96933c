/**
 * Retries, checked on the emulator's request log: GET/LIST are retried with backoff on 429, 5xx and
 * a dropped connection within --request-timeout; a write (TokenRequest, DELETE) is never sent
 * twice after a failure where the server may have acted (5xx, a dropped connection).
 */
import { CLUSTER_COMMANDS, errorLines, noCrash, NS, timed, useFaultWorld } from './support/world';
import { LATE_MS } from '../support/late';

const w = useFaultWorld();
const { fault, run, log } = w;

describe('retries', () => {
  test('GET retried on 429 then succeeds (decode --secret)', async () => {
    await fault({ pathRegex: `/namespaces/${NS}/secrets/app-legacy$`, status: 429, count: 2 });
    const mark = w.k().requests.length;
    const r = await run(CLUSTER_COMMANDS['decode --secret'], '10s');
    expect(r.code).toBe(0);
    expect(log(mark).filter((l) => l.includes('/secrets/app-legacy'))).toEqual([
      `GET /api/v1/namespaces/${NS}/secrets/app-legacy 429`,
      `GET /api/v1/namespaces/${NS}/secrets/app-legacy 429`,
      `GET /api/v1/namespaces/${NS}/secrets/app-legacy 200`,
    ]);
  });

  test('LIST retried on 500 and 503 with backoff (migrate-legacy)', async () => {
    await fault({ pathRegex: `/namespaces/${NS}/secrets\\?`, status: 500, count: 1 });
    await fault({ pathRegex: `/namespaces/${NS}/secrets\\?`, status: 503, count: 1 });
    const mark = w.k().requests.length;
    const r = await run(CLUSTER_COMMANDS['migrate-legacy'], '10s');
    expect(r.code).toBe(0);
    const lists = w.k().requests.slice(mark).filter((x) => x.method === 'GET' && x.path.startsWith(`/api/v1/namespaces/${NS}/secrets?`));
    expect(lists.map((x) => x.status)).toEqual([500, 503, 200]);
  });

  test('GET retried after the connection dropped mid-body (decode --pod)', async () => {
    await fault({ pathRegex: `/namespaces/${NS}/pods/web$`, drop: true, count: 1 });
    const mark = w.k().requests.length;
    const r = await run(CLUSTER_COMMANDS['decode --pod'], '10s');
    expect(r.code).toBe(0);
    expect(log(mark).filter((l) => l.startsWith(`GET /api/v1/namespaces/${NS}/pods/web `))).toHaveLength(2);
  });

  test('a dropped connection on every GET: "connection reset", bounded', async () => {
    await fault({ pathRegex: '^/api/', drop: true });
    const r = await run(CLUSTER_COMMANDS['decode --secret']);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([expect.stringMatching(/^error: cannot reach https:\/\/127\.0\.0\.1:\d+: connection reset$/)]);
    expect(r.sinceFirstRequestMs).toBeLessThan(2000 + LATE_MS);
  });

  test.each([
    ['500', { status: 500 }],
    ['503', { status: 503 }],
    ['a dropped connection', { drop: true }],
  ])('a write is never retried after %s (mint: one POST)', async (_what, spec) => {
    await fault({ pathRegex: '/serviceaccounts/app/token$', ...spec });
    const mark = w.k().requests.length;
    const r = await run(CLUSTER_COMMANDS.mint, '10s');
    expect(r.code).toBe(1);
    expect(errorLines(r)).toHaveLength(1);
    expect(log(mark).filter((l) => l.startsWith('POST '))).toHaveLength(1);
  });

  test('deletes are never retried after 503 (migrate-legacy --apply: one DELETE per Secret)', async () => {
    // A deletable legacy token: auto-generated, unused, old (the cleaner's rules).
    const ns = 'retry-apply';
    await w.k().adminRequest('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await w.k().adminRequest('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'old' } });
    await fault({ pathRegex: `/namespaces/${ns}/secrets/`, status: 503 });
    const mark = w.k().requests.length;
    const r = await timed(['migrate-legacy', '-n', ns, '--apply', '--yes', '--backup-dir', `/tmp/satoken-retry-${process.pid}`, '--request-timeout', '10s'], {
      kubeconfig: w.k().kubeconfigPath,
    });
    noCrash(r);
    const deletes = log(mark).filter((l) => l.startsWith('DELETE '));
    expect(new Set(deletes).size).toBe(deletes.length);
  });
});

