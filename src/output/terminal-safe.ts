/**
 * Text from a token, a cluster, a kubeconfig, a container or a file (claims, names, messages,
 * bodies) is untrusted: printed raw to a terminal, an ESC could move the cursor, rewrite earlier
 * lines, set the window title or write the clipboard (OSC 52); a CR or backspace could overwrite
 * what was printed; a bidirectional override (U+202E) could make `evil` read as `live`; and a
 * newline inside a value could start a line that looks like the program's own (a fake `Status:` or
 * `Fix:` block). So every foreign string is written through `terminalSafe`, which shows each such
 * character escaped and never lets a value start a new line: the line structure is the output
 * layer's alone. JSON and YAML escape for themselves.
 *
 * The escapes: `\n`, `\r`, `\t`, and `\uXXXX` for every other control (C0, DEL, C1), bidi control
 * and line/paragraph separator. Text without any of them is printed exactly as it is, backslashes
 * included: a printed command (`kubectl … 'C:\new'`) must paste as it was quoted. A string that
 * holds one is escaped whole, its backslashes doubled too, so that it reads back exactly
 * (`unescapeTerminal`).
 */

/**
 * C0 controls, DEL, C1 controls; the Arabic letter mark, LRM/RLM, the line and paragraph
 * separators, the bidi embeddings/overrides (U+202A–E) and isolates (U+2066–9).
 */
const CONTROL = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const UNSAFE = new RegExp(`[${CONTROL}]`);
/** In a string that holds a control: each control, and each backslash. */
const TO_ESCAPE = new RegExp(`[${CONTROL}\\\\]`, 'g');

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

/** Whether `text` holds a character `terminalSafe` escapes. */
export const hasControl = (text: string): boolean => UNSAFE.test(text);

const escape = (c: string) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` as one stretch of a line: every control character escaped, no line break of its own. */
export function terminalSafe(text: string): string {
  return UNSAFE.test(text) ? text.replace(TO_ESCAPE, escape) : text;
}

/** The inverse of `terminalSafe` for a string it escaped (one that held a control). */
export function unescapeTerminal(shown: string): string {
  return shown.replace(/\\(\\|n|r|t|u[0-9a-f]{4})/g, (_m, e: string) =>
    e === '\\' ? '\\' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : String.fromCharCode(parseInt(e.slice(1), 16)),
  );
}

/**
 * Text whose lines are ours but whose content may be foreign (an exec plugin's stderr, a stack
 * trace): each line made safe, the line breaks kept (a CR before a line break counts as part of it).
 */
export function terminalSafeLines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => terminalSafe(line))
    .join('\n');
}

/**
 * What JSON.stringify leaves raw and a terminal acts on or reorders: DEL, C1, bidi controls, line
 * and paragraph separators (JSON escapes C0 itself). Only strings can hold them, so `\uXXXX` in
 * their place is the same JSON value; the same holds in a YAML double-quoted scalar.
 */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text (or a piece of it) with the characters JSON.stringify leaves raw escaped. */
export function terminalSafeJson(json: string): string {
  RAW_IN_JSON.lastIndex = 0;
  return RAW_IN_JSON.test(json) ? json.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

/**
 * Whether a string must be written as a YAML double-quoted scalar, where every control can be
 * escaped: any control but the newline (a multi-line value is a block scalar, indented under its key).
 */
export const needsYamlQuotes = (s: string): boolean => /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(s);

/**
 * A copy of `value` with every string made terminal-safe (keys too). Strings that need nothing
 * are returned as they are, and so are objects holding none: a scan's big result is not copied.
 */
export function terminalSafeDeep<T>(value: T): T {
  return safe(value) as T;
}

function safe(value: unknown): unknown {
  if (typeof value === 'string') return UNSAFE.test(value) ? terminalSafe(value) : value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((v, i) => {
      const s = safe(v);
      if (s !== v) (copy ??= [...value])[i] = s;
    });
    return copy ?? value;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    let copy: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const sk = safe(k) as string;
      const s = safe(v);
      if (s !== v || sk !== k) {
        copy ??= { ...(value as Record<string, unknown>) };
        if (sk !== k) delete copy[k];
        copy[sk] = s;
      }
    }
    return copy ?? value;
  }
  return value;
}
