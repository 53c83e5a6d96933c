/**
 * `-o json` in pieces: exactly the text of `JSON.stringify(value, null, 2) + '\n'`, but a
 * top-level array (a list result's `items`) comes one element at a time. A scan of 50,000 pods
 * prints ~70 MB of JSON; as one string (and its token-scrubbed copy) that doubled the command's peak
 * memory (issue 8). tests/perf/json-chunks.test.ts holds the equality.
 */

/** What JSON.stringify leaves out of an object. */
const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

const indent = (text: string, pad: string) => text.replace(/\n/g, `\n${pad}`);

export function* jsonChunks(value: unknown): Generator<string> {
  const plain = typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
  if (!plain) {
    yield `${JSON.stringify(value, null, 2)}\n`;
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => !omitted(obj[k]));
  if (keys.length === 0) {
    yield '{}\n';
    return;
  }
  yield '{\n';
  for (const [i, k] of keys.entries()) {
    const v = obj[k];
    const comma = i < keys.length - 1 ? ',' : '';
    const key = `  ${JSON.stringify(k)}: `;
    if (Array.isArray(v) && v.length > 0 && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      yield `${key}[\n`;
      for (let j = 0; j < v.length; j++) {
        // In an array, what an object would leave out is `null`.
        const item = omitted(v[j]) ? 'null' : (JSON.stringify(v[j], null, 2) ?? 'null');
        yield `    ${indent(item, '    ')}${j < v.length - 1 ? ',' : ''}\n`;
      }
      yield `  ]${comma}\n`;
    } else {
      yield `${key}${indent(JSON.stringify(v, null, 2), '  ')}${comma}\n`;
    }
  }
  yield '}\n';
}
