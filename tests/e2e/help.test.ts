/**
 * Help as kubectl prints it: wrapped to the terminal's width (80 when not a terminal), examples on
 * lines of their own that are never broken (they are copied), a command's own flags only, and the
 * global flags once, in `kubectl satoken options`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { COMMANDS } from '../../src/cli/commands/index';
import { GLOBAL_FLAGS } from '../../src/cli/flags';
import { BIN, ensureBundle, NODE24 as NODE } from '../support/bundle';

/** util-linux `script` gives a command a terminal; without it the terminal tests are skipped, saying so. */
const hasScript = existsSync('/usr/bin/script');
const onTty = hasScript ? test : test.skip;
if (!hasScript) process.stdout.write('terminal tests skipped: /usr/bin/script is not installed\n');

beforeAll(() => ensureBundle(), 120_000);

const run = (args: string[]) => spawnSync(NODE, [BIN, ...args], { encoding: 'utf8', timeout: 30_000, env: { PATH: '/usr/bin:/bin' } });

/** The bundle on a terminal `cols` wide (`script` gives it one). */
function onTerminal(cols: number, args: string[]): string {
  const cmd = `stty cols ${cols}; exec '${NODE}' '${BIN}' ${args.join(' ')}`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 30_000, env: { PATH: '/usr/bin:/bin', SHELL: '/bin/sh', TERM: 'dumb' } });
  return r.stdout.replace(/\r\n/g, '\n');
}

const exampleLines = (name: string) => COMMANDS.find((c) => c.command.split(' ')[0] === name)!.examples.map(([line]) => `  ${line}`);

/** Lines wider than `width` that are not example command lines. */
function overflow(text: string, width: number, name: string): string[] {
  const examples = new Set(exampleLines(name));
  return text.split('\n').filter((l) => l.length > width && !examples.has(l));
}

describe.each(COMMANDS.map((c) => c.command.split(' ')[0]!))('%s --help', (name) => {
  test('piped: 80 columns, every example command whole on its own line, no global flag listed', () => {
    const r = run([name, '--help']);
    expect(r.status).toBe(0);
    expect(overflow(r.stdout, 80, name)).toEqual([]);
    const lines = r.stdout.split('\n');
    for (const example of exampleLines(name)) expect(lines).toContain(example);
    for (const flag of ['--kubeconfig', '--context', '--request-timeout', '--insecure-skip-tls-verify']) expect(r.stdout).not.toContain(flag);
    expect(r.stdout).toContain('Use "kubectl satoken options" for a list of global command-line options');
  });
});

onTty('on a terminal 60 columns wide, help wraps to 60 and examples stay whole', () => {
  const text = onTerminal(60, ['diagnose', '--help']);
  expect(text).toContain('kubectl satoken diagnose [pod]');
  expect(overflow(text, 60, 'diagnose')).toEqual([]);
  expect(text.split('\n')).toContain('  kubectl satoken diagnose web-7d4b9c-x2x9q -c app --can list pods --can get secrets');
}, 60_000);

onTty('on a terminal 150 columns wide, a description that fits stays on one line', () => {
  const text = onTerminal(150, ['diagnose', '--help']);
  expect(text).toMatch(/--token-dir +With --self: the folder of the service-account files \(default \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\)/);
}, 60_000);

test('kubectl satoken options lists every global flag with its example', () => {
  const r = run(['options']);
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('');
  for (const [name, spec] of Object.entries(GLOBAL_FLAGS)) {
    expect(r.stdout).toMatch(new RegExp(`^ {4}(-\\w, )?--${name}\\b`, 'm'));
    expect(r.stdout).toContain(`e.g. ${spec.example}`);
  }
  expect(r.stdout.split('\n').filter((l) => l.length > 80 && !l.trimStart().startsWith('e.g. '))).toEqual([]);
});
