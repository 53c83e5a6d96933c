/**
 * The launcher's fast path (src/cli/fast-path.ts) may only ever give the parser's own answer: the
 * table the build computes (fast-table.ts) is checked here against yargs, live, for the lines it
 * holds and for a few hundred tokens; and every other command line must fall through to yargs.
 */
import fc from 'fast-check';
import { CLI_COMMANDS as COMMANDS } from '../../../src/cli/commands';
import { fastRoute, fastText, JWT_SHAPE, launcherTable, NODE_VERSION, TOKEN_PLACEHOLDER, type FastTable, type LauncherTable } from '../../../src/cli/fast-path';
import { computeFastTable, decodeLines, textLines } from '../../../src/cli/fast-table';
import { parseArgv } from '../../../src/cli/run';
import { cli } from '../../support/cli';
import { makeBoundToken, makeLegacyToken } from '../../support/tokens';

let table: FastTable;
/** What the launcher carries. */
let launcher: LauncherTable;
beforeAll(async () => {
  table = await computeFastTable();
  launcher = launcherTable(table);
});

const liveArgv = async (args: string[]) => {
  const parsed = await parseArgv(args, COMMANDS, process.versions.node);
  expect(parsed.error).toBeUndefined();
  return JSON.parse(JSON.stringify(parsed.argv)) as Record<string, unknown>;
};

test('the table holds every help and version line, and every decode line, and the placeholder has the shape it stands for', () => {
  expect(Object.keys(table.texts).sort()).toEqual(textLines().map((a) => a.join('\u0000')).sort());
  expect(Object.keys(table.decode).sort()).toEqual(decodeLines().map((a) => a.join('\u0000')).sort());
  expect(Object.keys(table.texts).length).toBe(3 + 2 * COMMANDS.length);
  expect(TOKEN_PLACEHOLDER).toMatch(JWT_SHAPE);
});

test.each(textLines().map((a) => [a.join(' '), a]))('%s: the text is what the cli prints', async (_name, args) => {
  const route = fastRoute(args, launcher);
  expect(route).toEqual({ kind: 'text', line: args.join('\u0000') });
  const live = await cli(args, { env: {} });
  expect(live.code).toBe(0);
  // The live run prints this Node's version; the table's, the version handed to fastText.
  expect(fastText(table.texts, args.join('\u0000'), '24.99.1').split('24.99.1').join(process.versions.node)).toBe(live.stdout);
});

test('--version carries the Node version given at run time, not the build\'s', () => {
  expect(fastRoute(['--version'], launcher)).toEqual({ kind: 'text', line: '--version' });
  expect(fastText(table.texts, '--version', '24.99.1')).toMatch(/^kubectl-satoken \S+ \(commit \S+, node 24\.99\.1\)\n$/);
  expect(table.texts['--version']).toContain(NODE_VERSION);
  // The build's own Node appears nowhere: the launcher may run on another.
  expect(JSON.stringify(table)).not.toContain(process.versions.node);
});

test('decode TOKEN (each -o too): the argv is yargs\' own for that token', async () => {
  const tokens = [makeBoundToken(), makeLegacyToken(), 'a.b.c', 'x.y.', '_._._', '1.2.3', 'e.1.E', 'bm9uZQ.e30.'];
  for (const lines of decodeLines()) {
    for (const t of tokens) {
      const args = lines.map((a) => (a === TOKEN_PLACEHOLDER ? t : a));
      expect(fastRoute(args, launcher)).toEqual({ kind: 'decode', argv: await liveArgv(args) });
    }
  }
});

test('decode X: for any X of three base64url segments, the fast path gives yargs\' argv or leaves X to yargs (property)', async () => {
  // Segments of the base64url alphabet, `-` included: a leading `-` is a flag to yargs, and the
  // fast path must then step aside (it did not, until this property found "-.a.").
  const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
  let routed = 0;
  await fc.assert(
    fc.asyncProperty(segment, segment, fc.oneof(segment, fc.constant('')), async (a, b, c) => {
      const args = ['decode', `${a}.${b}.${c}`];
      const route = fastRoute(args, launcher);
      if (route === undefined) {
        expect(args[1]).toMatch(/^-/);
        return;
      }
      routed++;
      expect(route).toEqual({ kind: 'decode', argv: await liveArgv(args) });
    }),
    { numRuns: 300 },
  );
  expect(routed).toBeGreaterThan(200);
});

test.each([
  ['no token', ['decode']],
  ['stdin', ['decode', '-']],
  ['not JWT-shaped', ['decode', 'token-file.jwt']],
  ['a flag before the token', ['decode', '-o', 'json', 'a.b.c']],
  ['one more flag', ['decode', 'a.b.c', '--debug']],
  ['a format decode does not have', ['decode', 'a.b.c', '-o', 'kubeconfig']],
  ['a token-looking argument of another command', ['test-auth', 'a.b.c']],
  ['help with more', ['--help', 'decode']],
  ['nothing', []],
])('%s: not on the fast path (yargs parses it)', (_name, args) => {
  expect(fastRoute(args, launcher)).toBeUndefined();
});
