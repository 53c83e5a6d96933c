import type { Argv } from 'yargs';
import type { CliCommand, CommandOutput } from '../../../src/cli/command';
import { COMMANDS } from '../../../src/cli/commands/index';
import { GLOBAL_FLAGS } from '../../../src/cli/flags';
import { complete, Directive, formatCompletion, nameKindOf, type GivenFlags, type NameKind } from '../../../src/completion/complete';
import { completionSpec, positionalsOf } from '../../../src/completion/spec';
import { cliCompletionSpec } from '../../../src/completion/table';

/** Commands shaped like the real ones, declared the ways yargs builders do. */
const fakeCommands: CliCommand[] = [
  {
    command: 'diagnose [pod]',
    describe: 'Diagnose a pod',
    examples: [],
    builder: (y: Argv) => y.positional('pod', { type: 'string' }).option('all-namespaces', { alias: 'A', type: 'boolean', describe: 'Every namespace' }),
    run: async () => ({}) as CommandOutput, // never run: only the builder is read
  },
  {
    command: 'decode [token]',
    describe: 'Decode a token',
    examples: [],
    builder: (y: Argv) =>
      y
        .options({ pod: { type: 'string', describe: 'Read the token from this pod' }, container: { alias: 'c', type: 'string' } })
        .option('filename', { alias: 'f', type: 'string' })
        .option('show-token', { type: 'boolean' })
        .check(() => true),
    run: async () => ({}) as CommandOutput, // never run: only the builder is read
  },
  {
    command: 'mint <serviceaccount>',
    describe: 'Mint a token',
    examples: [],
    formats: ['table', 'json', 'yaml', 'kubeconfig'],
    builder: (y: Argv) =>
      y
        .option('bound-object-kind', { type: 'string' })
        .choices('bound-object-kind', ['Pod', 'Secret', 'Node'])
        .option('audience', { type: 'string', array: true })
        .option('secret-thing', { type: 'string', hidden: true }),
    run: async () => ({}) as CommandOutput, // never run: only the builder is read
  },
];

const spec = completionSpec(fakeCommands, GLOBAL_FLAGS, ['table', 'wide', 'json', 'yaml']);

/** A NameSource that records its calls and answers from a table. */
function source(names: Partial<Record<NameKind, string[]>>) {
  const calls: Array<{ kind: NameKind; given: GivenFlags }> = [];
  const fn = async (kind: NameKind, given: GivenFlags) => {
    calls.push({ kind, given });
    return names[kind] ?? [];
  };
  return { fn, calls };
}

const values = (c: { candidates: Array<{ value: string }> }) => c.candidates.map((x) => x.value);

describe('completion table', () => {
  test('reads positionals from command strings', () => {
    expect(positionalsOf('mint <serviceaccount>')).toEqual([{ name: 'serviceaccount', variadic: false }]);
    expect(positionalsOf('audit [log..]')).toEqual([{ name: 'log', variadic: true }]);
    expect(positionalsOf('x <a> [b]')).toEqual([
      { name: 'a', variadic: false },
      { name: 'b', variadic: false },
    ]);
  });

  test('fills in values of flags that their command validates itself', () => {
    const s = completionSpec(fakeCommands, {}, [], { 'bound-object-kind': ['X'], container: ['main'] });
    const decode = s.commands.find((c) => c.name === 'decode')!;
    expect(decode.flags.find((f) => f.name === 'container')!.choices).toEqual(['main']);
    // declared choices win
    const mint = s.commands.find((c) => c.name === 'mint')!;
    expect(mint.flags.find((f) => f.name === 'bound-object-kind')!.choices).toEqual(['Pod', 'Secret', 'Node']);
  });

  test('records options, aliases, choices and hidden flags from builders', () => {
    const decode = spec.commands.find((c) => c.name === 'decode')!;
    expect(decode.flags.map((f) => f.name)).toEqual(['pod', 'container', 'filename', 'show-token']);
    expect(decode.flags.find((f) => f.name === 'container')!.aliases).toEqual(['c']);
    expect(decode.flags.find((f) => f.name === 'show-token')!.takesValue).toBe(false);
    const mint = spec.commands.find((c) => c.name === 'mint')!;
    expect(mint.flags.find((f) => f.name === 'bound-object-kind')!.choices).toEqual(['Pod', 'Secret', 'Node']);
    expect(mint.flags.find((f) => f.name === 'audience')!.repeatable).toBe(true);
    expect(mint.flags.some((f) => f.name === 'secret-thing')).toBe(false);
    expect(mint.formats).toEqual(['table', 'json', 'yaml', 'kubeconfig']);
  });

  test("the real table holds every command of the cli and every global flag", () => {
    const real = cliCompletionSpec();
    expect(real.commands.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.command.split(' ')[0]));
    for (const name of Object.keys(GLOBAL_FLAGS)) expect(real.globalFlags.map((f) => f.name)).toContain(name);
    // mint checks --bound-object-kind itself (kubectl's message); its values come from that check.
    const mint = real.commands.find((c) => c.name === 'mint');
    expect(mint?.flags.find((f) => f.name === 'bound-object-kind')?.choices?.sort()).toEqual(['Node', 'Pod', 'Secret']);
    // It is baked into the helper as JSON: it must survive the round trip.
    expect(JSON.parse(JSON.stringify(real))).toEqual(real);
  });
});

describe('complete()', () => {
  test('offers subcommands with descriptions, filtered by the typed prefix', async () => {
    const s = source({});
    const all = await complete(spec, [''], s.fn);
    expect(all.candidates).toEqual([
      { value: 'diagnose', description: 'Diagnose a pod' },
      { value: 'decode', description: 'Decode a token' },
      { value: 'mint', description: 'Mint a token' },
    ]);
    expect(all.directive).toBe(Directive.NoFileComp);
    expect(values(await complete(spec, ['de'], s.fn))).toEqual(['decode']);
    expect(s.calls).toEqual([]);
  });

  test('offers global flags (with --version) at the root, and command plus global flags after it', async () => {
    const s = source({});
    const root = values(await complete(spec, ['--'], s.fn));
    expect(root).toEqual(expect.arrayContaining(['--kubeconfig', '--context', '--namespace', '--output', '--help', '--version']));
    expect(root).not.toContain('--pod');
    const decode = values(await complete(spec, ['decode', '-'], s.fn));
    expect(decode).toEqual(expect.arrayContaining(['--pod', '--container', '-c', '-f', '--show-token', '-n', '--namespace', '-o']));
    expect(decode).not.toContain('--version');
    expect(values(await complete(spec, ['decode', '--sh'], s.fn))).toEqual(['--show-token']);
  });

  test('does not offer a flag already given unless it is repeatable', async () => {
    const s = source({});
    const after = values(await complete(spec, ['mint', 'app', '--bound-object-kind', 'Pod', '--audience', 'x', '--'], s.fn));
    expect(after).not.toContain('--bound-object-kind');
    expect(after).toContain('--audience');
  });

  test('completes -o with the formats of the command, in both flag forms', async () => {
    const s = source({});
    expect(values(await complete(spec, ['-o', ''], s.fn))).toEqual(['table', 'wide', 'json', 'yaml']);
    expect(values(await complete(spec, ['mint', 'app', '-o', ''], s.fn))).toEqual(['table', 'json', 'yaml', 'kubeconfig']);
    expect(values(await complete(spec, ['mint', 'app', '--output=k'], s.fn))).toEqual(['--output=kubeconfig']);
  });

  test('completes choices: --bound-object-kind Pod|Secret|Node', async () => {
    const s = source({});
    expect(values(await complete(spec, ['mint', 'app', '--bound-object-kind', ''], s.fn))).toEqual(['Pod', 'Secret', 'Node']);
    expect(values(await complete(spec, ['mint', 'app', '--bound-object-kind', 'S'], s.fn))).toEqual(['Secret']);
  });

  test('asks the source for pods, ServiceAccounts, namespaces and contexts, with the flags given so far', async () => {
    const s = source({ pod: ['web-1', 'api-0', 'web-2'], serviceaccount: ['builder', 'default'], namespace: ['kube-system', 'default'], context: ['dev', 'prod'] });
    expect(values(await complete(spec, ['diagnose', '-n', 'shop', '--context', 'prod', 'we'], s.fn))).toEqual(['web-1', 'web-2']);
    expect(s.calls.at(-1)).toEqual({ kind: 'pod', given: { namespace: 'shop', context: 'prod' } });
    expect(values(await complete(spec, ['decode', '--pod', ''], s.fn))).toEqual(['api-0', 'web-1', 'web-2']);
    expect(values(await complete(spec, ['mint', '--namespace=ci', ''], s.fn))).toEqual(['builder', 'default']);
    expect(s.calls.at(-1)).toEqual({ kind: 'serviceaccount', given: { namespace: 'ci' } });
    expect(values(await complete(spec, ['diagnose', '-n', 'ku'], s.fn))).toEqual(['kube-system']);
    expect(values(await complete(spec, ['--context', ''], s.fn))).toEqual(['dev', 'prod']);
    expect(values(await complete(spec, ['--kubeconfig', '/k', '--context=p'], s.fn))).toEqual(['--context=prod']);
    expect(s.calls.at(-1)).toEqual({ kind: 'context', given: { kubeconfig: '/k' } });
  });

  test('a failing or slow source gives no candidates, never an error', async () => {
    const failing = async () => {
      throw new Error('connection refused');
    };
    const c = await complete(spec, ['diagnose', ''], failing);
    expect(c).toEqual({ candidates: [], directive: Directive.NoFileComp });
  });

  test('no names past the last positional, none after an unknown subcommand; file flags complete files', async () => {
    const s = source({ pod: ['web-1'] });
    expect(values(await complete(spec, ['diagnose', 'web-1', ''], s.fn))).toEqual([]);
    expect(await complete(spec, ['nope', ''], s.fn)).toEqual({ candidates: [], directive: Directive.NoFileComp });
    expect(await complete(spec, ['decode', '-f', ''], s.fn)).toEqual({ candidates: [], directive: Directive.Default });
    expect(await complete(spec, ['--kubeconfig', ''], s.fn)).toEqual({ candidates: [], directive: Directive.Default });
    expect(s.calls).toEqual([]);
  });

  test('positionals and flags that name local files leave completion to the shell', async () => {
    const audit: CliCommand = { command: 'audit [logs..]', describe: 'a', examples: [], builder: (y: Argv) => y.option('plan-dir', { type: 'string' }).option('path', { type: 'string' }), run: async () => ({}) as CommandOutput };
    const s2 = completionSpec([audit], {}, []);
    const src = source({});
    expect((await complete(s2, ['audit', 'a.log', ''], src.fn)).directive).toBe(Directive.Default);
    expect((await complete(s2, ['audit', '--plan-dir', ''], src.fn)).directive).toBe(Directive.Default);
    // --path is a path inside the pod: no local file completion
    expect((await complete(s2, ['audit', '--path', ''], src.fn)).directive).toBe(Directive.NoFileComp);
  });

  test('words after -- are positionals, even when they look like flags', async () => {
    const s = source({ pod: ['-odd-name'] });
    expect(values(await complete(spec, ['diagnose', '--', '-'], s.fn))).toEqual(['-odd-name']);
  });

  test('names kinds by flag or positional name', () => {
    expect(['pod', 'pods', 'serviceaccount', 'service-account', 'sa', 'mint', 'secret', 'namespace', 'context', 'token', 'file'].map(nameKindOf)).toEqual([
      'pod', 'pod', 'serviceaccount', 'serviceaccount', 'serviceaccount', 'serviceaccount', 'secret', 'namespace', 'context', undefined, undefined,
    ]);
  });
});

test('formats the protocol: value TAB one-line description, then :directive', () => {
  const text = formatCompletion({ candidates: [{ value: 'a', description: 'two\n  lines' }, { value: 'b' }], directive: 4 });
  expect(text).toBe('a\ttwo lines\nb\n:4\n');
});

test('a name with a control character is left out; a description is shown escaped', () => {
  const text = formatCompletion({
    candidates: [{ value: 'x\n:0' }, { value: 'evil\u001b]52;c;eA==\u0007' }, { value: 'ok', description: 'say \u001b[2J\u202e' }],
    directive: 4,
  });
  expect(text).toBe('ok\tsay \\u001b[2J\\u202e\n:4\n');
});
