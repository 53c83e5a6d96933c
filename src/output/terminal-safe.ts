/**
 * Text from a token or a cluster (claims, names, messages) is untrusted: printed raw to a terminal,
 * an ESC in a claim could move the cursor, rewrite earlier lines or set the window title, and a
 * bidirectional override (U+202E) could make `evil` read as `live`. Tables show such characters
 * escaped (`\u001b`), as JSON does; JSON and YAML escape them themselves. Newlines and tabs stay:
 * results use them for multi-line values.
 */

/** C0 controls but tab and newline, DEL, C1 controls, and the bidirectional embeddings/overrides/isolates. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * A copy of `value` with every string made terminal-safe (keys too). Strings that need nothing
 * are returned as they are, and so are objects holding none: a scan's big result is not copied.
 */
export function terminalSafeDeep<T>(value: T): T {
  return safe(value) as T;
}

function safe(value: unknown): unknown {
  if (typeof value === 'string') {
    UNSAFE.lastIndex = 0;
    return UNSAFE.test(value) ? terminalSafe(value) : value;
  }
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
