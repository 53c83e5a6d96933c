/**
 * The quoting of printed commands, proved against the real /bin/sh: for arbitrary strings
 * (shell metacharacters, `$(…)`, backticks, `${IFS}`, quotes, globs, unicode; never NUL, which
 * argv cannot hold), what the shell makes of the quoted words is the original argv exactly; a
 * rendered command never holds a character a terminal would have to escape; and a hostile name
 * that cannot be printed reaches kubectl intact through the JSON it reads on stdin.
 */
import fc from 'fast-check';
import { cmd, literal, NOT_PRINTED, operand, patchObject, printable, quoteWord, render, unprintable } from '../../src/shell/command';
import { paste, shellWords } from '../support/paste';
import { check, limit, runs } from './settings';

/** Characters that mean something to a shell, and some that only look like they do. */
const SHELL = [...`$\`'"\\;&|<>(){}[]*?~#!=%^ ,.-+:/@_`, '${IFS}', '$(', '`touch x`', '\'\\\'\'', '\u00a0', 'é', '字', '😀'];
const CONTROL = ['\n', '\t', '\r', '\u001b', '\u0007', '\u007f', '\u0085', '\u009b', '\u202e', '\u2066', '\u200b', '\u2028', '\ufeff'];

/** UTF-8 cannot carry a lone surrogate, and argv cannot carry NUL. */
const wellFormed = (s: string) => !/\p{Cs}/u.test(s) && !s.includes('\0');
/** Any string argv can hold: shell-heavy, plain unicode, or anything at all. */
const anyWord = fc
  .oneof(
    fc.array(fc.constantFrom(...SHELL, 'a', 'Z', '0'), { maxLength: 12 }).map((a) => a.join('')),
    fc.array(fc.constantFrom(...SHELL, ...CONTROL, 'a'), { maxLength: 12 }).map((a) => a.join('')),
    fc.string({ unit: 'grapheme', maxLength: 16 }),
    fc.string({ unit: 'binary', maxLength: 16 }),
  )
  .filter(wellFormed);
const printableWord = anyWord.filter((s) => !unprintable(s));

test('quoteWord: /bin/sh gives back every word exactly, one argument each', async () => {
  await check(
    'quoteWord round trip',
    fc.asyncProperty(fc.array(anyWord, { minLength: 1, maxLength: 6 }), async (argv) => {
      expect(await shellWords(argv.map(quoteWord).join(' '))).toEqual(argv);
    }),
    runs(150),
  );
}, limit(120_000));

test('render: a printable command pasted into /bin/sh runs exactly its argv', async () => {
  await check(
    'render round trip',
    fc.asyncProperty(fc.array(printableWord, { minLength: 1, maxLength: 6 }), async (argv) => {
      const line = render(cmd('kubectl', ...argv));
      const { calls, files } = await paste(line);
      expect(calls).toEqual([{ program: 'kubectl', argv, ...(argv.includes('-') ? { stdin: '' } : {}) }]);
      expect(files).toEqual([]);
    }),
    runs(100),
  );
}, limit(120_000));

test('render: the text holds no control or invisible character and no line break, whatever the argv', () => {
  fc.assert(
    fc.property(fc.array(anyWord, { maxLength: 6 }), (argv) => {
      const line = render(cmd('kubectl', ...argv));
      expect(unprintable(line)).toBe(false);
      // A command that cannot be printed says so as a comment: pasting it runs nothing.
      if (!printable(cmd('kubectl', ...argv))) expect(line).toBe(NOT_PRINTED);
    }),
    { numRuns: runs(2000) },
  );
});

test('ordinary names stay bare, and placeholders stay as written', () => {
  expect(render(cmd('kubectl', 'delete', 'pod', 'web-0', '-n', 'shop'))).toBe('kubectl delete pod web-0 -n shop');
  expect(render(cmd('kubectl', 'create', 'token', literal('<serviceaccount>'), '-n', 'x;touch${IFS}pwned;#'))).toBe(
    "kubectl create token <serviceaccount> -n 'x;touch${IFS}pwned;#'",
  );
  expect(render(cmd('kubectl', 'get', 'secret', "it's", '-n', ''))).toBe(`kubectl get secret 'it'\\''s' -n ''`);
});

test('an operand kubectl would read as a flag is never printed; a flag value starting with - is', () => {
  expect(render(cmd('kubectl', 'delete', 'pod', operand('--server=https://attacker.invalid'), '-n', 'shop'))).toBe(NOT_PRINTED);
  expect(render(cmd('kubectl', 'delete', 'pod', operand('web-0'), '-n', '-x'))).toBe('kubectl delete pod web-0 -n -x');
});

test('patchObject: a name no line can carry reaches kubectl intact, as JSON on stdin', async () => {
  await check(
    'patchObject fallback',
    fc.asyncProperty(anyWord, anyWord.filter((s) => s !== ''), async (value, name) => {
      const ref = { apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'shop', name };
      const command = patchObject(ref, 'json', [{ op: 'add', path: '/spec/x', value }]);
      const line = render(command);
      expect(unprintable(line)).toBe(false);
      const { calls, files } = await paste(line);
      expect(files).toEqual([]);
      expect(calls).toHaveLength(1);
      const [call] = calls;
      const patch = JSON.parse(call.argv[call.argv.indexOf('-p') + 1]);
      expect(patch).toEqual([{ op: 'add', path: '/spec/x', value }]);
      if (unprintable(name) || name.startsWith('-')) {
        expect(call.argv.slice(0, 4)).toEqual(['patch', '-f', '-', '--type']);
        expect(JSON.parse(call.stdin!)).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace: 'shop' } });
      } else {
        expect(call.argv.slice(0, 5)).toEqual(['patch', 'widget', name, '-n', 'shop']);
      }
    }),
    runs(80),
  );
}, limit(120_000));
