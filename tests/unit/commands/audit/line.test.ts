import { Readable } from 'node:stream';
import { skimLine, TOKEN_ANNOTATION_MARK } from '../../../../src/commands/audit/line';
import { eachLine } from '../../../../src/commands/audit/read';
import { runAudit } from '../../../../src/commands/audit/run';
import { event, fakeDeps, lines, memorySource, request, stale } from './helpers';

const base = { clusterLookup: false, periodDays: 365, extensionSeconds: 365 * 86400 };
const b = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o));

async function collect(data: string, chunk: number) {
  const got: Array<[number, string, boolean]> = [];
  const parts: Buffer[] = [];
  const buf = Buffer.from(data);
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  await eachLine(Readable.from(parts), TOKEN_ANNOTATION_MARK, {
    line: (x, s, e, n, marked) => got.push([n, x.toString('utf8', s, e), marked]),
    tooLong: (n) => got.push([n, 'TOO LONG', false]),
  });
  return got;
}

describe('eachLine', () => {
  const text = 'a\r\n{"x":"authentication.k8s.io/"}\n\n{"y":"/apis/authentication.k8s.io/v1"}\nlast';
  test.each([1, 2, 3, 7, 1000])('the same lines and marks whatever the chunk size (%i)', async (chunk) => {
    expect(await collect(text, chunk)).toEqual([
      [1, 'a', false],
      [2, '{"x":"authentication.k8s.io/"}', true], // a value with those bytes is parsed too: harmless, only slower
      [3, '', false],
      [4, '{"y":"/apis/authentication.k8s.io/v1"}', false], // the API group in a URI is not an annotation key
      [5, 'last', false],
    ]);
  });
});

describe('skimLine: the shape of an event, without parsing it', () => {
  const ok = event();
  test('an event: its counting role', () => {
    expect(skimLine(b({ ...ok, stage: 'ResponseComplete' }), false)?.role).toBe('end');
    expect(skimLine(b({ ...ok, stage: 'RequestReceived' }), false)?.role).toBe('received');
    expect(skimLine(b({ ...ok, stage: 'ResponseStarted', responseStatus: { metadata: {}, code: 401 } }), false)?.role).toBe('end');
    expect(skimLine(b({ ...ok, stage: 'ResponseStarted', responseStatus: { metadata: {}, code: 200 } }), false)?.role).toBe('other');
    expect(skimLine(b({ ...ok, requestReceivedTimestamp: '2026-11-28T10:00:00.5Z' }), true)?.at).toBe(Date.parse('2026-11-28T10:00:00.5Z'));
  });
  test('anything else is left to the full parse', () => {
    for (const bad of [
      'text',
      '{"kind":"Event","stage":"ResponseComplete"', // cut
      JSON.stringify({ kind: 'Policy', stage: 'x', requestReceivedTimestamp: '2026-11-28T10:00:00Z' }),
      JSON.stringify({ ...ok, stage: undefined }),
      JSON.stringify({ ...ok, requestReceivedTimestamp: 'x', stageTimestamp: undefined }),
    ]) {
      expect(skimLine(b(bad), true)).toBeUndefined();
    }
  });
});

test('unmarked lines count in the window totals exactly as parsed ones did', async () => {
  const healthy = request({ sa: 'a:ok', at: '2026-11-28T10:00:00Z' });
  const late = request({ sa: 'a:ok', at: '2026-11-28T18:00:00Z' });
  const bad = request({ sa: 'a:b', at: '2026-11-28T11:00:00Z', annotations: stale('a:b', 5) });
  const { result } = await runAudit(
    { ...base, until: Date.parse('2026-11-28T12:00:00Z'), sources: [memorySource('w.log', lines([...healthy, ...late, ...bad]) + 'not json\n')] },
    fakeDeps(),
  );
  expect(result.summary).toMatchObject({ events: healthy.length + bad.length, outsideWindow: late.length, requests: 2, malformed: 1 });
  expect(result.items.map((i) => i.serviceAccount)).toEqual(['b']);
});
