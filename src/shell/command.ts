/**
 * Printed commands, built as argv and turned into text in one place.
 *
 * The plugin prints commands for an operator to paste into a shell, and the values in them (names,
 * namespaces, mount paths, token claims, audit-log fields) come from a cluster, a token or a log:
 * hostile. So no code writes a command as a template string. A fix is a `Command` (an argv array,
 * optionally fed a JSON document on stdin, optionally piped into the next), and `render` is the only
 * function that makes text of it, quoting every word for a POSIX shell with `quoteWord`.
 *
 * What pasting a rendered command must do: run exactly the argv that was built, each value one
 * argument, whatever it holds (`$(…)`, backticks, `;`, quotes, globs, `${IFS}`, unicode).
 *
 * Argument injection: an object's name is built as an `operand`; one starting with `-` would be
 * read by kubectl as a flag however it is quoted, so it counts as unprintable too.
 *
 * What cannot be made safe: a word holding a control character or an invisible/bidirectional
 * formatting character (`unprintable`). Single quotes would keep a newline exact for `sh -c`, but
 * the line would not survive the terminal: the output layer must show such characters escaped
 * (which changes the command), a raw newline ends the pasted line early, a tab triggers completion,
 * and a bidi override makes the line read as another command. Neither a here-doc (it carries the
 * newline too) nor `printf` tricks are acceptable. Instead:
 *   - where the hostile value sits in an object to change, the builder gives the change as JSON:
 *     the object's identity and the patch are JSON documents (`jsonWord`, `input`), in which
 *     JSON's `\n`/`\uXXXX` escapes carry any character with printable text, and kubectl reads the
 *     object from stdin (`kubectl patch -f - …`): see `patchObject`;
 *   - anything else renders as a shell comment that says why no command is shown (`NOT_PRINTED`):
 *     pasting it runs nothing, and it never holds the hostile value.
 * This module is plain text in, text out (no I/O, no imports), so every layer may use it.
 */

/** Text of our own, shown as is: a placeholder for the user to fill in, e.g. `<ACCOUNT_ID>`. Never put outside text here. */
export interface Literal {
  literal: string;
}

/**
 * An outside value kubectl takes as a positional argument (an object's name). Quoting keeps it one
 * argument, but kubectl would still read `--server=https://elsewhere` there as a flag, and send the
 * operator's credentials to it: a leading `-` makes the command unprintable. A flag's value is safe:
 * kubectl's flag parser takes the argument after a flag that needs a value as that value, whatever
 * it starts with (spf13/pflag flag.go, parseLongArg `--flag arg` and parseSingleShortArg `-f arg`).
 */
export interface Operand {
  operand: string;
}

export type Word = string | Literal | Operand;

export interface Command {
  argv: Word[];
  /** A document the command reads on stdin (`-f -`); rendered as `printf '%s\n' '…' | argv`, so it must be printable (JSON from `jsonText`). */
  input?: string;
}

/** Commands joined by `|`, the first one's output feeding the next. */
export type Pipeline = Command[];

export const cmd = (...argv: Word[]): Command => ({ argv });
export const literal = (text: string): Literal => ({ literal: text });
export const operand = (value: string): Operand => ({ operand: value });
/** The value as an operand, or the placeholder for the user to fill in when there is none. */
export const operandOr = (value: string | null | undefined, placeholder: string): Operand | Literal => (value == null ? literal(placeholder) : operand(value));

/**
 * Characters a pasted command cannot carry: C0 controls (tab and newline included), DEL, C1
 * controls, and the invisible formatting characters that change how a line reads (Arabic letter
 * mark, zero-width and directional marks, line/paragraph separators, bidi embeddings, overrides
 * and isolates, word joiner and friends, the byte order mark). NUL is here too: argv cannot hold it.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const UNPRINTABLE_ALL = new RegExp(UNPRINTABLE.source, 'g');

export function unprintable(s: string): boolean {
  return UNPRINTABLE.test(s);
}

/** Characters that mean nothing to a POSIX shell anywhere in a word: such a word is left bare for readability. */
const BARE = /^[A-Za-z0-9_./:=@%+,-]+$/;

/**
 * One argument for a POSIX shell: bare when it needs no quoting, else single-quoted (inside single
 * quotes every character is literal; a `'` is closed, escaped and reopened: `'\''`). The empty
 * string is `''`. Exact for any string without NUL; callers keep unprintable text out (`render`).
 */
export function quoteWord(s: string): string {
  // `~` and `#` are special only at a word's start, and BARE has neither; argv[0] is always ours, so `=` cannot make an assignment.
  return BARE.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** JSON whose text is printable whatever the value holds: JSON.stringify, with the characters `unprintable` names escaped as \uXXXX. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(UNPRINTABLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A JSON document as one word: always printable (see `jsonText`), quoted by `render` like any other. */
export const jsonWord = (value: unknown): string => jsonText(value);

/** Said instead of a command that holds a value a pasted line cannot carry: a comment, so pasting it runs nothing. */
export const NOT_PRINTED =
  '# command not printed: a name or value in it holds control or invisible characters, or a name starts with "-", which a pasted command line cannot carry safely; make this change by hand';

const wordText = (w: Word): string => (typeof w === 'string' ? quoteWord(w) : 'literal' in w ? w.literal : quoteWord(w.operand));
const wordPrintable = (w: Word): boolean =>
  typeof w === 'string' ? !unprintable(w) : 'literal' in w ? !unprintable(w.literal) : !unprintable(w.operand) && !w.operand.startsWith('-');

/** True when `render` can show the command as a line to paste. */
export function printable(c: Command | Pipeline): boolean {
  const list = Array.isArray(c) ? c : [c];
  return list.every((x) => x.argv.every(wordPrintable) && (x.input === undefined || !unprintable(x.input)));
}

/** The one place a command becomes text: each word quoted for a POSIX shell, or NOT_PRINTED. */
export function render(c: Command | Pipeline): string {
  const list = Array.isArray(c) ? c : [c];
  if (!printable(list)) return NOT_PRINTED;
  return list
    .map((x) => {
      const line = x.argv.map(wordText).join(' ');
      return x.input === undefined ? line : `printf '%s\\n' ${quoteWord(x.input)} | ${line}`;
    })
    .join(' | ');
}

/** Commands run one after the other while each succeeds (`a && b`); NOT_PRINTED when any cannot be shown. */
export function renderAnd(...list: (Command | Pipeline)[]): string {
  return list.every(printable) ? list.map(render).join(' && ') : NOT_PRINTED;
}

/** Where an object is, for a command that names it. apiVersion is what `-f -` needs to find its type. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * `kubectl patch` of one object. Ordinary names give `kubectl patch KIND NAME -n NS …`; when the
 * kind, name or namespace cannot be printed, or the kind or name starts with `-`, kubectl reads the
 * object's identity as a JSON document on stdin (`printf '%s\n' '{…}' | kubectl patch -f - …`), in
 * which JSON escapes carry the hostile characters as printable text. The patch is always JSON (`jsonWord`).
 */
export function patchObject(ref: ObjectRef, type: 'json' | 'merge' | 'strategic', patch: unknown): Command {
  const words = [ref.kind.toLowerCase(), ref.name, ...(ref.namespace !== undefined ? [ref.namespace] : [])];
  if (words.some(unprintable) || ref.kind.startsWith('-') || ref.name.startsWith('-')) return patchObjectFromStdin(ref, type, patch);
  return cmd('kubectl', 'patch', operand(ref.kind.toLowerCase()), operand(ref.name), ...(ref.namespace !== undefined ? ['-n', ref.namespace] : []), ...typeFlag(type), '-p', jsonWord(patch));
}

/** `printf '%s\n' '{"apiVersion":…,"kind":…,"metadata":{…}}' | kubectl patch -f - …`: the object named by JSON kubectl reads on stdin. */
export function patchObjectFromStdin(ref: ObjectRef, type: 'json' | 'merge' | 'strategic', patch: unknown): Command {
  const metadata = { name: ref.name, ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}) };
  return { argv: ['kubectl', 'patch', '-f', '-', ...typeFlag(type), '-p', jsonWord(patch)], input: jsonText({ apiVersion: ref.apiVersion, kind: ref.kind, metadata }) };
}

const typeFlag = (type: 'json' | 'merge' | 'strategic'): string[] => (type === 'strategic' ? [] : ['--type', type]);
