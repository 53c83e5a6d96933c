/**
 * The stand-ins scripts/startup-shims.mjs puts into the bundles to keep start-up fast must behave as
 * the modules they replace, for every input the bundle can give them:
 * - fast-string-width: every character of its fast set has width 1 in each installed string-width
 *   (4 for cli-table3, 7 for cliui/wrap-ansi, 8 for yargs), and any other text goes to the real one;
 * - yargs-assert: strictEqual / notStrictEqual as node:assert's (Object.is, ERR_ASSERTION).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const nodeRequire = createRequire(path.join(ROOT, 'package.json'));

type Width = (s: string, o?: Record<string, unknown>) => number;

/** Each string-width a bundled module imports, by the package that imports it. */
const REAL: Record<string, string> = {
  'cli-table3 (4.x)': path.join(ROOT, 'node_modules/string-width/index.js'),
  'cliui (7.x)': path.join(ROOT, 'node_modules/cliui/node_modules/string-width/index.js'),
  'wrap-ansi (7.x)': path.join(ROOT, 'node_modules/wrap-ansi/node_modules/string-width/index.js'),
  'yargs (8.x)': path.join(ROOT, 'node_modules/yargs/node_modules/string-width/index.js'),
};

const load = (file: string): Width => {
  const m = nodeRequire(file);
  return typeof m === 'function' ? m : m.default;
};

/** The shim as build.mjs emits it for `realPath`, plus a count of how often it loaded the real one. */
function shimFor(realPath: string): { width: Width; realLoads: () => number } {
  const text = readFileSync(path.join(ROOT, 'scripts/fast-string-width.cjs'), 'utf8').replace('__REAL_STRING_WIDTH__', JSON.stringify(realPath));
  let loads = 0;
  const req = (id: string) => {
    loads++;
    return nodeRequire(id);
  };
  const mod = { exports: {} as unknown };
  new Function('module', 'exports', 'require', text)(mod, mod.exports, req);
  return { width: mod.exports as Width, realLoads: () => loads };
}

/** The fast set: every BMP character the shim's own regex lets through. */
const fastSet = (() => {
  const text = readFileSync(path.join(ROOT, 'scripts/fast-string-width.cjs'), 'utf8');
  const literal = /const narrow =\s*\/(.+)\/;/.exec(text);
  if (!literal) throw new Error('fast-string-width.cjs: the `narrow` regex was not found');
  const narrow = new RegExp(literal[1]);
  const chars: string[] = [];
  for (let c = 0; c <= 0xffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (narrow.test(String.fromCharCode(c))) chars.push(String.fromCharCode(c));
  }
  return chars;
})();

describe('fast-string-width', () => {
  test('its fast set holds printable ASCII and the punctuation our help and tables print', () => {
    for (const s of [' ', '~', 'a', '—', '…', '→', '§', '≈', '−', '│', '┌', 'é', 'µ']) expect(fastSet).toContain(s);
    for (const s of ['\t', '\u001b', '\u00ad', '↔', '\u200b', '中', '\u0301']) expect(fastSet).not.toContain(s);
  });

  test.each(Object.entries(REAL))('every character of the fast set has width 1 in %s', (_name, file) => {
    const real = load(file);
    const wrong = fastSet.filter((s) => real(s) !== 1).map((s) => s.codePointAt(0)!.toString(16));
    expect(wrong).toEqual([]);
  });

  test.each(Object.entries(REAL))('agrees with %s on any string (ANSI, CJK, emoji, combining marks included)', (_name, file) => {
    const real = load(file);
    const { width } = shimFor(file);
    const pieces = fc.constantFrom(...fastSet.slice(0, 400), '\u001b[1m', '\u001b[0m', '\t', '中文', '👍', '👨‍👩‍👧', 'e\u0301', '↔', '\u00ad', '\u200b', 'ｱ');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
        const s = parts.join('');
        expect(width(s)).toBe(real(s));
      }),
      { numRuns: 300 },
    );
  });

  test('loads the real module only for text outside the fast set, and honours ambiguousIsNarrow: false', () => {
    const file = REAL['cliui (7.x)'];
    const { width, realLoads } = shimFor(file);
    expect(width('kubectl satoken — why a token does not work …')).toBe(45);
    expect(realLoads()).toBe(0);
    expect(width('中文')).toBe(4);
    expect(realLoads()).toBe(1);
    expect(width('—', { ambiguousIsNarrow: false })).toBe(load(file)('—', { ambiguousIsNarrow: false }));
  });
});

describe('yargs-assert', () => {
  const shim = nodeRequire(path.join(ROOT, 'scripts/yargs-assert.cjs')) as typeof import('node:assert');
  const real = nodeRequire('node:assert') as typeof import('node:assert');
  const values = [undefined, null, 0, -0, NaN, '', 'a', true, {}, []];

  test('strictEqual and notStrictEqual throw exactly when node:assert does, with ERR_ASSERTION', () => {
    for (const a of values) {
      for (const b of [...values, a]) {
        for (const fn of ['strictEqual', 'notStrictEqual'] as const) {
          const outcome = (f: (x: unknown, y: unknown) => void) => {
            try {
              f(a, b);
              return 'ok';
            } catch (e) {
              return (e as { code?: string }).code;
            }
          };
          expect(outcome(shim[fn])).toBe(outcome(real[fn]));
        }
      }
    }
  });

  test('a given message is the error message', () => {
    expect(() => shim.strictEqual(1, 2, 'one is not two')).toThrow('one is not two');
  });
});
