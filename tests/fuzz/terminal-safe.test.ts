/**
 * Property tests of the one sanitiser every foreign string reaches the terminal through
 * (src/output/terminal-safe.ts) and of the stderr writer built on it (src/output/stderr.ts):
 * whatever the input — C0/C1 controls, ESC sequences, CR, backspace, bidi controls, backslashes,
 * escape-looking text, lone surrogates — the output holds no control character at all, a value
 * never adds a line break, text without a control is left exactly as it is (a printed command must
 * paste as quoted), and a string that is escaped reads back exactly.
 */
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { renderer } from '../../src/output/renderer';
import { stderrWriter } from '../../src/output/stderr';
import { hasControl, terminalSafe, terminalSafeDeep, terminalSafeLines, unescapeTerminal } from '../../src/output/terminal-safe';
import { check, runs } from './settings';

/** Anything a terminal would act on: C0, DEL, C1, and the bidi and line-separator controls. */
const UNSAFE_FOR_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Characters an attacker would pick, mixed with escape-looking text and ordinary Unicode. */
const hostileChar = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x7f, max: 0x9f }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\u061c', '\u200e', '\u200f', '\u2028', '\u2029', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'),
  fc.constantFrom('\\', '\\n', '\\u001b', '\\u00', 'u001b', '\\\\', '\u001b]52;c;', '\u001b[2J', '\r', '\b', 'Status:', '\n\n'),
  fc.constantFrom('\ud800', '\udfff', 'é', '日', '😀'),
  fc.string({ maxLength: 3 }),
);
const hostile = fc.array(hostileChar, { maxLength: 40 }).map((parts) => parts.join(''));

test('terminalSafe: no control character in the output; text without one unchanged, text with one reads back exactly', async () => {
  await check(
    'terminalSafe',
    fc.property(hostile, (s) => {
      const shown = terminalSafe(s);
      expect(shown).not.toMatch(UNSAFE_FOR_TERMINAL);
      if (hasControl(s)) expect(unescapeTerminal(shown)).toBe(s);
      else expect(shown).toBe(s);
    }),
    runs(3000),
  );
});

test('terminalSafe: two different values holding controls never show the same', async () => {
  await check(
    'terminalSafe injective',
    fc.property(hostile, hostile, (a, b) => {
      fc.pre(a !== b && hasControl(a) && hasControl(b));
      expect(terminalSafe(a)).not.toBe(terminalSafe(b));
    }),
    runs(2000),
  );
});

test('terminalSafeLines keeps exactly the line breaks of the text and nothing else', async () => {
  await check(
    'terminalSafeLines',
    fc.property(fc.array(hostile, { maxLength: 6 }), (lines) => {
      const text = lines.join('\n');
      const shown = terminalSafeLines(text);
      const outLines = shown.split('\n');
      expect(outLines).toHaveLength(text.split(/\r?\n/).length);
      for (const l of outLines) expect(l).not.toMatch(UNSAFE_FOR_TERMINAL);
    }),
    runs(1000),
  );
});

test('terminalSafeDeep: every string of a result, keys included, is safe', async () => {
  await check(
    'terminalSafeDeep',
    fc.property(fc.dictionary(hostile, fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }), fc.dictionary(hostile, hostile, { maxKeys: 3 })), { maxKeys: 5 }), (obj) => {
      const walk = (v: unknown): void => {
        if (typeof v === 'string') expect(v).not.toMatch(UNSAFE_FOR_TERMINAL);
        else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (walk(k), walk(x));
      };
      walk(terminalSafeDeep(obj));
    }),
    runs(1000),
  );
});

test('the stderr writer: every byte is safe, and a line is exactly one line', async () => {
  await check(
    'stderrWriter',
    fc.property(hostile, hostile, fc.boolean(), (message, hint, debug) => {
      let out = '';
      const err = stderrWriter((t) => (out += t));
      err.line(`error: ${message}`);
      err.line(`hint: ${hint}`);
      err.progress(message);
      const e = new Error(message);
      err.unexpected(e, debug);
      // The writer's own structure: the progress line's CR and erase-line, and line breaks.
      const structure = out.replace(/\r\u001b\[K/g, '');
      const lines = structure.split('\n');
      for (const l of lines) expect(l).not.toMatch(UNSAFE_FOR_TERMINAL);
      // error, hint, then progress + error (same line: progress leaves no break), then the
      // hint or the stack: a value never adds a line of its own.
      if (!debug) expect(lines).toHaveLength(4 + 1);
    }),
    runs(1000),
  );
});

test('-o json and -o yaml: the same value back, and nothing a terminal acts on but line breaks', async () => {
  const render = renderer({});
  const opts = { color: false, now: new Date(0) };
  await check(
    'json and yaml',
    fc.asyncProperty(fc.dictionary(hostile, fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }), fc.dictionary(hostile, hostile, { maxKeys: 3 })), { maxKeys: 5 }), async (obj) => {
      const value = { kind: 'Fuzz', ...obj };
      const json = await render(value, { ...opts, format: 'json' });
      const yaml = await render(value, { ...opts, format: 'yaml' });
      for (const text of [json, yaml]) expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
      expect(JSON.parse(json)).toEqual(value);
      expect(parseYaml(yaml)).toEqual(value);
    }),
    runs(500),
  );
});
