/**
 * kubectl's plugin completion protocol (kubectl >= 1.26), as pure logic.
 *
 * `kubectl __complete satoken <words…>` runs `kubectl_complete-satoken <words…>`: every word typed
 * after `satoken`, the last one being the word under the cursor (`""` when empty). The answer is one
 * candidate a line (`value<TAB>description`), then `:<directive>` (cobra's ShellCompDirective).
 *
 * Static answers (subcommands, flags, -o formats, choices) come from the CompletionSpec; names that
 * only the cluster or the kubeconfig knows come from a NameSource, which may fail or time out — then
 * there are simply no candidates.
 */
import { hasControl, terminalSafe } from '../output/terminal-safe.js';
import type { CommandInfo, CompletionSpec, FlagInfo, PositionalInfo } from './spec.js';

/** cobra's ShellCompDirective bits. */
export const Directive = {
  Default: 0,
  Error: 1,
  NoSpace: 2,
  NoFileComp: 4,
  FilterFileExt: 8,
  FilterDirs: 16,
  KeepOrder: 32,
} as const;

export interface Candidate {
  value: string;
  description?: string;
}

export interface Completion {
  candidates: Candidate[];
  directive: number;
}

/** Things whose names are looked up rather than known in advance. */
export type NameKind = 'pod' | 'serviceaccount' | 'secret' | 'namespace' | 'context' | 'cluster' | 'user';

/** The connection flags already on the command line, so names come from the cluster/namespace meant. */
export interface GivenFlags {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** Looks names up; rejects (or resolves to []) when it cannot within its time budget. */
export type NameSource = (kind: NameKind, flags: GivenFlags) => Promise<string[]>;

/**
 * Flags and positionals whose value is a local file or directory: the shell completes files there.
 * (decode's `--path` is a path inside the pod, so `path` is not one.)
 */
const FILE_NAME = /(^|-)(file|filename|files|kubeconfig|dir|directory|log|logs|jwks|restore)$/;

/** Which kind of name a flag's value or a positional names, by its name. */
export function nameKindOf(name: string): NameKind | undefined {
  const n = name.toLowerCase();
  if (/^pods?(-name)?$/.test(n)) return 'pod';
  // test-auth --mint SA names a ServiceAccount too
  if (/^(serviceaccount|service-account|service_account|sa)s?(-name)?$/.test(n) || n === 'mint') return 'serviceaccount';
  if (/^secrets?(-name)?$/.test(n)) return 'secret';
  if (n === 'namespace') return 'namespace';
  if (n === 'context') return 'context';
  if (n === 'cluster') return 'cluster';
  if (n === 'user') return 'user';
  return undefined;
}

interface Scan {
  command?: CommandInfo;
  /** Positionals given so far (after the subcommand). */
  positionalCount: number;
  /** Long names of flags already given. */
  used: Set<string>;
  given: GivenFlags;
  /** The previous word is a flag still waiting for its value. */
  pendingFlag?: FlagInfo;
  /** `--` was given: everything after it is a positional. */
  afterDashDash: boolean;
}

function findFlag(flags: FlagInfo[], word: string): FlagInfo | undefined {
  const name = word.replace(/^--?/, '');
  return flags.find((f) => f.name === name || f.aliases.includes(name));
}

function flagsIn(spec: CompletionSpec, command: CommandInfo | undefined): FlagInfo[] {
  return command ? [...command.flags, ...spec.globalFlags] : spec.globalFlags;
}

const CONNECTION_FLAGS: Array<keyof GivenFlags> = ['kubeconfig', 'context', 'cluster', 'user', 'namespace'];

function remember(scan: Scan, flag: FlagInfo, value: string): void {
  const key = flag.name as keyof GivenFlags;
  if (CONNECTION_FLAGS.includes(key)) scan.given[key] = value;
}

/** Reads the words before the one being completed. */
function scanWords(spec: CompletionSpec, words: string[]): Scan {
  const scan: Scan = { positionalCount: 0, used: new Set(), given: {}, afterDashDash: false };
  for (const word of words) {
    if (scan.pendingFlag) {
      remember(scan, scan.pendingFlag, word);
      scan.pendingFlag = undefined;
      continue;
    }
    if (!scan.afterDashDash && word === '--') {
      scan.afterDashDash = true;
      continue;
    }
    if (!scan.afterDashDash && word.startsWith('-') && word !== '-') {
      const eq = word.indexOf('=');
      const flag = findFlag(flagsIn(spec, scan.command), eq >= 0 ? word.slice(0, eq) : word);
      if (!flag) continue; // unknown flag: the parser will complain, completion carries on
      scan.used.add(flag.name);
      if (eq >= 0) remember(scan, flag, word.slice(eq + 1));
      else if (flag.takesValue) scan.pendingFlag = flag;
      continue;
    }
    if (!scan.command) {
      scan.command = spec.commands.find((c) => c.name === word);
      // An unknown word where the subcommand goes: nothing sensible to offer after it.
      if (!scan.command) return { ...scan, positionalCount: -1 };
      continue;
    }
    scan.positionalCount++;
  }
  return scan;
}

function byPrefix(values: Candidate[], prefix: string): Candidate[] {
  return values.filter((c) => c.value.startsWith(prefix));
}

const plain = (values: string[]): Candidate[] => values.map((value) => ({ value }));

async function names(source: NameSource, kind: NameKind, given: GivenFlags): Promise<string[]> {
  try {
    return [...new Set(await source(kind, given))].sort();
  } catch {
    return []; // unreachable cluster, no kubeconfig, forbidden: no candidates, never an error
  }
}

/** Candidates for one flag's value. */
async function flagValues(scan: Scan, spec: CompletionSpec, flag: FlagInfo, prefix: string, source: NameSource): Promise<Completion> {
  const done = (values: Candidate[]): Completion => ({ candidates: byPrefix(values, prefix), directive: Directive.NoFileComp });
  if (flag.choices) return done(plain(flag.choices));
  if (flag.name === 'output') return done(plain(scan.command?.formats ?? spec.defaultFormats));
  const kind = nameKindOf(flag.name);
  if (kind) return done(plain(await names(source, kind, scan.given)));
  if (FILE_NAME.test(flag.name)) return { candidates: [], directive: Directive.Default };
  return { candidates: [], directive: Directive.NoFileComp };
}

function flagCandidates(scan: Scan, spec: CompletionSpec, prefix: string): Candidate[] {
  const flags = flagsIn(spec, scan.command);
  const out: Candidate[] = [];
  for (const f of flags) {
    if (scan.used.has(f.name) && !f.repeatable) continue;
    const description = f.describe || undefined;
    out.push({ value: `--${f.name}`, description });
    for (const a of f.aliases) out.push({ value: a.length === 1 ? `-${a}` : `--${a}`, description });
  }
  if (!scan.command && !scan.used.has('version')) out.push({ value: '--version', description: 'Show the version, git commit and Node.js version' });
  return byPrefix(out, prefix);
}

function positionalAt(command: CommandInfo, index: number): PositionalInfo | undefined {
  const last = command.positionals[command.positionals.length - 1];
  return command.positionals[index] ?? (last?.variadic ? last : undefined);
}

/**
 * Completes `words` (everything after `satoken`; the last one is the word under the cursor).
 * Pure apart from `source`, which it calls at most once.
 */
export async function complete(spec: CompletionSpec, words: string[], source: NameSource): Promise<Completion> {
  const current = words.length > 0 ? words[words.length - 1] : '';
  const scan = scanWords(spec, words.slice(0, -1));
  const none: Completion = { candidates: [], directive: Directive.NoFileComp };
  if (scan.positionalCount < 0) return none;

  if (scan.pendingFlag) return flagValues(scan, spec, scan.pendingFlag, current, source);

  if (!scan.afterDashDash && current.startsWith('-')) {
    const eq = current.indexOf('=');
    if (current.startsWith('--') && eq > 0) {
      const flag = findFlag(flagsIn(spec, scan.command), current.slice(0, eq));
      if (!flag || !flag.takesValue) return none;
      const head = current.slice(0, eq + 1);
      const values = await flagValues(scan, spec, flag, current.slice(eq + 1), source);
      return { ...values, candidates: values.candidates.map((c) => ({ ...c, value: head + c.value })) };
    }
    return { candidates: flagCandidates(scan, spec, current), directive: Directive.NoFileComp };
  }

  if (!scan.command) {
    return {
      candidates: byPrefix(spec.commands.map((c) => ({ value: c.name, description: c.describe })), current),
      directive: Directive.NoFileComp,
    };
  }

  const positional = positionalAt(scan.command, scan.positionalCount);
  if (positional && FILE_NAME.test(positional.name)) return { candidates: [], directive: Directive.Default };
  const kind = positional && nameKindOf(positional.name);
  if (!kind) return none;
  return { candidates: byPrefix(plain(await names(source, kind, scan.given)), current), directive: Directive.NoFileComp };
}

/**
 * The protocol's text: candidates one a line, descriptions after a TAB, then `:<directive>`.
 * A name holding a control character (a kubeconfig's context named `x\n:0`, an ESC sequence) is
 * left out: it would add candidates or a directive of its own, or reach the terminal through the
 * shell's menu; a description is shown terminal-safe.
 */
export function formatCompletion(c: Completion): string {
  const lines = c.candidates
    .filter((x) => !hasControl(x.value))
    .map((x) => (x.description ? `${x.value}\t${terminalSafe(oneLine(x.description))}` : x.value));
  return [...lines, `:${c.directive}`].join('\n') + '\n';
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
