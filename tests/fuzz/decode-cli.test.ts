/**
 * Fuzz of `kubectl satoken decode` through the in-process cli (real parser, command, renderers,
 * error mapping): hundreds of malformed tokens from stdin, a file and the argument. Each ends
 * with exit 2 and exactly one `error:` line, no stack trace, nothing on stdout; tokens that do
 * parse render in every format with exit 0 or 3. Every run is bounded in time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parseToken } from '../../src/jwt';
import { cli, type CliRun } from '../support/cli';
import { TEST_NOW } from '../support/tokens';
import { check, limit, runs } from './settings';
import { anyTokenInput, deepToken, hugeToken, SEED_TOKENS } from './token-arbitraries';

const dir = mkdtempSync(path.join(tmpdir(), 'satoken-fuzz-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A cli run that must settle within `ms` (a hang fails the property instead of the whole suite). */
async function bounded(args: string[], stdin: string | undefined, ms = 5000): Promise<CliRun> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`decode did not finish within ${ms}ms: ${args.join(' ')}`)), ms);
  });
  try {
    return await Promise.race([cli(args, { stdin, clock: () => TEST_NOW }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const parses = (t: string) => {
  try {
    parseToken(t);
    return true;
  } catch {
    return false;
  }
};

/** How the token reaches decode: piped, as a file, or as the argument (when the shell could pass it). */
const via = fc.constantFrom('stdin', 'file', 'argument');
const format = fc.constantFrom('table', 'wide', 'json', 'yaml');
let fileN = 0;

async function decodeVia(how: string, token: string, fmt: string): Promise<CliRun> {
  if (how === 'file') {
    const f = path.join(dir, `t${fileN++}`);
    writeFileSync(f, token);
    return bounded(['decode', '-f', f, '-o', fmt], undefined);
  }
  // An argument cannot hold NUL, and one that starts with - is a flag: those go through stdin.
  if (how === 'argument' && !token.includes('\0') && !token.trimStart().startsWith('-') && token.trim() !== '') {
    return bounded(['decode', '-o', fmt, '--', token], undefined);
  }
  return bounded(['decode', '-', '-o', fmt], token);
}

function assertOutcome(token: string, r: CliRun): void {
  expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(r.stderr).not.toMatch(/unexpected; run again with --debug/);
  if (parses(token)) {
    expect([0, 3]).toContain(r.code);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(r.stderr).not.toMatch(/^error:/m);
  } else {
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(1);
    expect(r.stderr.split('\n').filter((l) => l !== '' && !/^(error|hint): /.test(l))).toEqual([]);
    expect(r.stderr).toMatch(/^error: cannot decode the token from (argument|stdin|file \S+) \(.+\)$/m);
  }
}

describe('decode through the cli under fuzzing', () => {
  test(`${runs(250)} generated and mutated tokens, every source and format`, async () => {
    let malformed = 0;
    await check(
      'decode cli',
      fc.asyncProperty(anyTokenInput, via, format, async (token, how, fmt) => {
        if (!parses(token)) malformed++;
        assertOutcome(token, await decodeVia(how, token, fmt));
      }),
      runs(250),
    );
    expect(malformed).toBeGreaterThan(runs(250) / 2);
  }, limit(60_000));

  test(`${runs(40)} deep and huge tokens, every format`, async () => {
    await check(
      'decode cli, deep/huge',
      fc.asyncProperty(fc.oneof(deepToken, hugeToken), format, async (token, fmt) => {
        assertOutcome(token, await decodeVia('stdin', token, fmt));
      }),
      runs(40),
    );
  }, limit(60_000));

  test('the seed tokens themselves decode (the generators start from good tokens)', async () => {
    for (const t of SEED_TOKENS) {
      const r = await decodeVia('stdin', t, 'json');
      expect([0, 3]).toContain(r.code);
      expect(JSON.parse(r.stdout).kind).toBe('TokenInspection');
    }
  });
});
