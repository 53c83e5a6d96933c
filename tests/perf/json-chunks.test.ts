/**
 * src/output/json-chunks.ts prints `-o json` of big list results in pieces (issue 8: a scan's
 * output as one string doubled its peak memory); the pieces must make exactly the text
 * `JSON.stringify(value, null, 2) + '\n'` that the output layer's render() gives.
 */
import fc from 'fast-check';
import { jsonChunks } from '../../src/output/json-chunks';
import { render } from '../../src/output/render';

const joined = (v: unknown) => [...jsonChunks(v)].join('');
const expected = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

test('any JSON value, and objects with list-like members, print exactly as JSON.stringify(v, null, 2)', () => {
  const listResult = fc.record({
    kind: fc.constant('DiagnosisList'),
    items: fc.array(fc.jsonValue(), { maxLength: 8 }),
    summary: fc.jsonValue(),
    empty: fc.constant([]),
    gone: fc.constant(undefined),
  });
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), listResult, fc.dictionary(fc.string(), fc.jsonValue())), (v) => {
      expect(joined(v)).toBe(expected(v));
    }),
    { numRuns: 500 },
  );
});

test('what JSON.stringify drops or turns to null: undefined, functions, symbols, toJSON', () => {
  const v = {
    kind: 'X',
    items: [1, undefined, () => 1, Symbol('s'), { at: new Date(0), f: undefined }, 'a\nb'],
    dropped: undefined,
    fn: () => 1,
    when: new Date(86400000),
  };
  expect(joined(v)).toBe(expected(v));
  expect(joined({})).toBe(expected({}));
  expect(joined([1, [2]])).toBe(expected([1, [2]]));
  expect(joined(null)).toBe(expected(null));
  expect(joined({ toJSON: () => ({ a: 1 }) })).toBe(expected({ toJSON: () => ({ a: 1 }) }));
});

test('agrees with render() -o json, one chunk per list item', async () => {
  const result = { kind: 'DiagnosisList', items: Array.from({ length: 50 }, (_, i) => ({ pod: `p${i}`, checks: [{ id: 'a', status: 'pass' }] })), summary: { pods: 50 } };
  const chunks = [...jsonChunks(result)];
  expect(chunks.join('')).toBe(await render(result, { format: 'json', color: false, now: new Date(0), explain: false } as never));
  expect(chunks.length).toBeGreaterThan(50);
});
