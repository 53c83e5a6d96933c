/**
 * The parts of `--help` that yargs would wrap mid-word: the examples, in kubectl's form (`  # what
 * it does`, then the command line on a line of its own, never broken, so that it can be copied),
 * and the closing lines; and `kubectl satoken options`, the global flags (kubectl's `kubectl options`).
 * Prose wraps at the width given: the terminal's, or 80 when not a terminal.
 */
import type { CliCommand } from './command.js';
import type { FlagSpec } from './flags.js';

/** The width of help text when stdout is not a terminal. */
export const DEFAULT_HELP_WIDTH = 80;

const SCRIPT = 'kubectl satoken';

/** Words of `text` in lines of at most `width` characters after `indent` (a longer word has a line of its own). */
export function wrapWords(text: string, indent: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      out.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(indent + line);
  return out;
}

/** What follows yargs' help for `command` (undefined: the top-level help). */
export function helpTail(command: CliCommand | undefined, width: number): string {
  const out: string[] = [];
  if (command?.examples.length) {
    out.push('Examples:');
    for (const [line, what] of command.examples) {
      out.push(...wrapWords(what, '  # ', width), `  ${line}`, '');
    }
  }
  out.push(...wrapWords(`Use "${SCRIPT} options" for a list of global command-line options (applies to all commands).`, '', width));
  if (!command) out.push(...wrapWords(`Use "${SCRIPT} <command> --help" for more information about a given command.`, '', width));
  out.push(...wrapWords('Docs and RBAC each command needs: https://github.com/kubectl-satoken/kubectl-satoken', '', width));
  return `\n${out.join('\n')}\n`;
}

/** `kubectl satoken options`: every global flag, its description wrapped, its example whole. */
export function optionsText(flags: Record<string, FlagSpec>, width: number): string {
  const out = ['The following options can be passed to any command:', ''];
  for (const [name, spec] of Object.entries(flags)) {
    const alias = typeof spec.alias === 'string' && spec.alias.length === 1 ? `-${spec.alias}, ` : '';
    const value = spec.type === 'boolean' ? '' : spec.default !== undefined ? `='${String(spec.default)}'` : "=''";
    out.push(`    ${alias}--${name}${value}:`, ...wrapWords(spec.describe ?? '', '        ', width), `        e.g. ${spec.example}`, '');
  }
  return out.join('\n');
}
