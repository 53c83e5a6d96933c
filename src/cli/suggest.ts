/**
 * "Did you mean this?" for an unknown command or flag, worded as cobra words it for kubectl:
 * `unknown command "diagnos" for "kubectl-satoken"\n\nDid you mean this?\n\tdiagnose\n`
 * (spf13/cobra args.go legacyArgs, and command.go findSuggestions / SuggestionsFor: a name within
 * Levenshtein distance 2, case ignored, or one the typed text is a prefix of). A flag gets pflag's
 * `unknown flag: --name` (spf13/pflag flag.go) with the same suggestions.
 */
import { terminalSafe } from '../output/terminal-safe.js';

/** The name kubectl knows this plugin by, as cobra's CommandPath would print it. */
export const PLUGIN_NAME = 'kubectl-satoken';

/** Levenshtein distance, case ignored (cobra's ld(s, t, ignoreCase=true)). */
export function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[t.length]!;
}

/** cobra's SuggestionsFor with its default SuggestionsMinimumDistance of 2. */
export function suggestionsFor(typed: string, names: readonly string[]): string[] {
  return names.filter((n) => distance(typed, n) <= 2 || n.toLowerCase().startsWith(typed.toLowerCase()));
}

function didYouMean(suggestions: readonly string[]): string {
  return suggestions.length ? `\n\nDid you mean this?\n${suggestions.map((s) => `\t${s}\n`).join('')}` : '\n';
}

/** The text for an unknown command: cobra's, the typed name quoted as Go's %q would. */
export function unknownCommandText(typed: string, commands: readonly string[]): string {
  return `unknown command ${terminalSafe(JSON.stringify(typed))} for "${PLUGIN_NAME}"${didYouMean(suggestionsFor(typed, commands))}`;
}

/** The text for an unknown long flag (`name` without dashes): pflag's, with suggestions among `flags`. */
export function unknownFlagText(name: string, flags: readonly string[]): string {
  const suggestions = suggestionsFor(name, flags).map((f) => `--${f}`);
  return `unknown flag: --${terminalSafe(name)}${didYouMean(suggestions)}`;
}
