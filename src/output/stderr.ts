/**
 * The one way text reaches stderr: errors, hints, notices, -v request logs, progress, an exec
 * plugin's messages, --debug stacks. Every line is scrubbed of tokens (redact.ts) and made
 * terminal-safe (terminal-safe.ts), so that no message a server, a container or a plugin wrote can
 * drive the terminal or start a line of its own.
 */
import { scrubTokens } from './redact.js';
import { terminalSafe, terminalSafeLines } from './terminal-safe.js';

export interface StderrWriter {
  /** One line: `text` (which may hold anything) and a line break of ours. */
  line(text: string): void;
  /** Text whose line breaks are kept (a stack trace, a plugin's output): each line made safe. */
  lines(text: string): void;
  /** The progress line, rewritten in place on a terminal; '' clears it. */
  progress(text: string): void;
  /**
   * Something thrown that no layer expected (a bug, or a value no check foresaw): one `error:`
   * line and, with --debug, the stack; else a hint to ask for it.
   */
  unexpected(e: unknown, debug: boolean): void;
}

export function stderrWriter(write: (text: string) => unknown): StderrWriter {
  return {
    line: (text) => void write(`${terminalSafe(scrubTokens(text))}\n`),
    lines: (text) => void write(terminalSafeLines(scrubTokens(text))),
    // Our own CR and erase-line first; the message itself cannot move the cursor.
    progress: (text) => void write(text === '' ? '\r\u001b[K' : `\r\u001b[K${terminalSafe(scrubTokens(text))}`),
    unexpected(e, debug) {
      this.line(`error: ${oneLine(describeThrown(e))}`);
      const stack = e instanceof Error && typeof e.stack === 'string' ? e.stack : undefined;
      if (debug && stack) this.lines(`${stack}\n`);
      else this.line('hint: this is unexpected; run again with --debug and report it');
    },
  };
}

/** A message on one line: its own line breaks (and the blanks around them) become `; `. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ').trim();
}

/** What was thrown, in words, whatever it is: a thrown value's own toString may throw too. */
export function describeThrown(e: unknown): string {
  try {
    if (e instanceof Error) return typeof e.message === 'string' && e.message !== '' ? e.message : e.name || 'unknown error';
    return String(e);
  } catch {
    return 'unknown error';
  }
}
