/**
 * The completion table: every subcommand with its positionals and flags, read from the cli's own
 * command list (src/cli/commands/index.ts COMMANDS) and global flags (src/cli/flags.ts), so the
 * completion never drifts from the parser.
 *
 * Each command's yargs `builder` is run against a recorder that looks like yargs' Argv and only
 * writes down the options, positionals, aliases and choices it is given. The recorder needs no
 * yargs at run time; the build runs this once and bakes the JSON into the completion helper
 * (scripts/build.mjs), so the helper stays a few kilobytes.
 */
import type { Argv, Options, PositionalOptions } from 'yargs';
import type { CliCommand } from '../cli/command.js';

/** One flag as completion sees it. */
export interface FlagInfo {
  /** Long name without dashes, e.g. `bound-object-kind`. */
  name: string;
  /** Other names: one letter means `-x`, longer means `--xyz`. */
  aliases: string[];
  /** False for booleans (and counts): the next word is not this flag's value. */
  takesValue: boolean;
  /** Repeatable (array) flags may be given again, so they stay in the candidates. */
  repeatable: boolean;
  describe: string;
  /** Fixed values (yargs `choices`), offered as they are. */
  choices?: string[];
}

/** One positional argument of a command, from its command string (`mint <serviceaccount>`). */
export interface PositionalInfo {
  name: string;
  variadic: boolean;
}

export interface CommandInfo {
  name: string;
  describe: string;
  positionals: PositionalInfo[];
  flags: FlagInfo[];
  /** -o values this command accepts. */
  formats: string[];
}

export interface CompletionSpec {
  commands: CommandInfo[];
  /** kubectl's flags, valid before and after the subcommand. */
  globalFlags: FlagInfo[];
  /** -o values before a subcommand is known. */
  defaultFormats: string[];
}

type AnyOptions = Options & PositionalOptions & { hidden?: boolean };

function flagFrom(name: string, opt: AnyOptions): FlagInfo {
  const aliases = opt.alias === undefined ? [] : Array.isArray(opt.alias) ? [...opt.alias] : [opt.alias];
  // yargs' `type` is string | number | boolean | count | array; the typings omit the last two.
  const type = (opt.type as string | undefined) ?? (opt.boolean ? 'boolean' : opt.count ? 'count' : undefined);
  const info: FlagInfo = {
    name,
    aliases,
    takesValue: type !== 'boolean' && type !== 'count',
    repeatable: Boolean(opt.array) || type === 'array',
    describe: String(opt.describe ?? opt.description ?? opt.desc ?? ''),
  };
  if (Array.isArray(opt.choices)) info.choices = opt.choices.map(String);
  return info;
}

/** `decode [token]`, `mint <serviceaccount>`, `x [files..]` → the positionals in order. */
export function positionalsOf(command: string): PositionalInfo[] {
  const out: PositionalInfo[] = [];
  for (const m of command.matchAll(/[<[]([^\]>|]+?)(\.\.)?(?:\|[^\]>]*)?[\]>]/g)) {
    out.push({ name: m[1], variadic: m[2] === '..' });
  }
  return out;
}

/** Records what a builder declares. Unknown Argv methods are accepted and ignored. */
class Recorder {
  readonly flags = new Map<string, AnyOptions>();
  readonly hidden = new Set<string>();

  private opt(name: string): AnyOptions {
    let o = this.flags.get(name);
    if (!o) this.flags.set(name, (o = {}));
    return o;
  }

  /** The Argv look-alike handed to a builder. */
  argv(): Argv {
    const self = this;
    const handlers: Record<string, (...a: unknown[]) => void> = {
      option: (key, opt) => self.options(key, opt),
      options: (key, opt) => self.options(key, opt),
      positional: () => {}, // positionals come from the command string, in order
      alias: (key, alias) => self.each(key, alias, (k, v) => (self.opt(k).alias = v as string | string[])),
      choices: (key, values) => self.each(key, values, (k, v) => (self.opt(k).choices = v as string[])),
      describe: (key, text) => self.each(key, text, (k, v) => (self.opt(k).describe = v as string)),
      boolean: (key) => self.names(key).forEach((k) => (self.opt(k).type = 'boolean')),
      string: (key) => self.names(key).forEach((k) => (self.opt(k).type = 'string')),
      number: (key) => self.names(key).forEach((k) => (self.opt(k).type = 'number')),
      count: (key) => self.names(key).forEach((k) => (self.opt(k).count = true)),
      array: (key) => self.names(key).forEach((k) => (self.opt(k).array = true)),
      hide: (key) => self.names(key).forEach((k) => self.hidden.add(k)),
    };
    const proxy: Argv = new Proxy({} as Argv, {
      get(_t, prop) {
        const h = typeof prop === 'string' ? handlers[prop] : undefined;
        return (...args: unknown[]) => {
          h?.(...args);
          return proxy;
        };
      },
    });
    return proxy;
  }

  private options(key: unknown, opt: unknown): void {
    if (typeof key === 'string') {
      Object.assign(this.opt(key), (opt ?? {}) as AnyOptions);
    } else if (key && typeof key === 'object') {
      for (const [k, o] of Object.entries(key as Record<string, AnyOptions>)) Object.assign(this.opt(k), o);
    }
  }

  private names(key: unknown): string[] {
    return Array.isArray(key) ? key.map(String) : [String(key)];
  }

  /** yargs' `(key, value)` or `({key: value})` forms. */
  private each(key: unknown, value: unknown, set: (k: string, v: unknown) => void): void {
    if (key && typeof key === 'object' && !Array.isArray(key)) {
      for (const [k, v] of Object.entries(key as Record<string, unknown>)) set(k, v);
    } else {
      for (const k of this.names(key)) set(k, value);
    }
  }

  result(): FlagInfo[] {
    const out: FlagInfo[] = [];
    for (const [name, opt] of this.flags) {
      if (opt.hidden || this.hidden.has(name)) continue;
      out.push(flagFrom(name, opt));
    }
    return out;
  }
}

/** The help and version flags yargs adds to every parser (src/cli/run.ts). */
const BUILTIN_FLAGS: FlagInfo[] = [
  { name: 'help', aliases: ['h'], takesValue: false, repeatable: false, describe: 'Show help' },
];

/**
 * Builds the completion table from the cli's commands and global flags. `flagValues` gives the
 * values of flags that a command validates itself instead of through yargs `choices` (so that its
 * error message can be kubectl's), keyed by flag name.
 */
export function completionSpec(
  commands: readonly CliCommand[],
  globalFlags: Record<string, Options & { example?: string }>,
  defaultFormats: readonly string[],
  flagValues: Record<string, readonly string[]> = {},
): CompletionSpec {
  const withValues = (f: FlagInfo): FlagInfo => (f.choices || !flagValues[f.name] ? f : { ...f, choices: [...flagValues[f.name]] });
  const globals = Object.entries(globalFlags).map(([name, spec]) => {
    const { example: _example, ...opt } = spec;
    return flagFrom(name, opt as AnyOptions);
  });
  return {
    globalFlags: [...globals, ...BUILTIN_FLAGS],
    defaultFormats: [...defaultFormats],
    commands: commands.map((c) => {
      const rec = new Recorder();
      c.builder(rec.argv());
      const positionals = positionalsOf(c.command);
      const positionalNames = new Set(positionals.map((p) => p.name));
      return {
        name: c.command.split(' ')[0],
        describe: c.describe,
        positionals,
        flags: rec.result().filter((f) => !positionalNames.has(f.name)).map(withValues),
        formats: [...(c.formats ?? defaultFormats)],
      };
    }),
  };
}
