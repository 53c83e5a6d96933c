/**
 * The launcher's start-up fast path (issue 8: `--help` and `decode TOKEN` within 1.3x of `node -e 0`).
 *
 * Building the yargs parser costs more than everything else `--help` or `decode TOKEN` does. Yet for
 * a few exact command lines its answer is known before the cli ever runs: help and version texts,
 * and the argv it gives `decode <a JWT>`. The build (scripts/build.mjs) asks the real parser for
 * those answers (fast-table.ts) and bakes them into the launcher; here they are looked up. Any
 * other command line — one more flag, a token that does not look like a JWT — goes to yargs, so the
 * fast path can only ever give the parser's own answer. tests/unit/cli/fast-path.test.ts and
 * tests/e2e/fast-path.test.ts compare the two.
 *
 * Pure, and no imports: the launcher loads it before anything else.
 */

/** What the build computed with the parser. */
export interface FastTable {
  /**
   * Command lines (arguments joined by NUL) that only print and exit 0 — `--help`, `decode -h`,
   * `--version` — and what the cli prints for each, NODE_VERSION standing for Node's version.
   */
  texts: Record<string, string>;
  /**
   * `decode` command lines with TOKEN_PLACEHOLDER for the token (arguments joined by NUL), and the
   * argv yargs returns for each.
   */
  decode: Record<string, Record<string, unknown>>;
}

/**
 * What the launcher carries: the table without its texts, which are most of its size and which
 * only help and --version print; they are a file of their own (satoken-texts.cjs), read then.
 */
export interface LauncherTable {
  /** The keys of FastTable.texts. */
  textLines: string[];
  decode: FastTable['decode'];
}

export function launcherTable(table: FastTable): LauncherTable {
  return { textLines: Object.keys(table.texts), decode: table.decode };
}

export type FastRoute =
  /** Print FastTable.texts[line] (fastText). */
  | { kind: 'text'; line: string }
  /** Run decode with this argv (yargs' own for this command line). */
  | { kind: 'decode'; argv: Record<string, unknown> };

/** Stands for process.versions.node in the texts (`--version` prints it). */
export const NODE_VERSION = '\u0000node-version\u0000';

/** Stands for the token in FastTable.decode; it has JWT_SHAPE, as the tokens it stands for. */
export const TOKEN_PLACEHOLDER = 'satoken.fast-path.placeholder';

/**
 * Three base64url segments, not starting with `-` (yargs would read a flag): the only arguments that
 * take the placeholder's place. Nothing of this shape is special to yargs (not a flag, not a number,
 * no `=`), so it parses as the placeholder does — tests/unit/cli/fast-path.test.ts checks that.
 */
export const JWT_SHAPE = /^[A-Za-z0-9_][A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The parser's answer for `args` when the build computed it; undefined = ask yargs. */
export function fastRoute(args: readonly string[], table: LauncherTable): FastRoute | undefined {
  const line = args.join('\u0000');
  if (table.textLines.includes(line)) return { kind: 'text', line };
  const token = args[1];
  if (args[0] !== 'decode' || token === undefined || !JWT_SHAPE.test(token)) return undefined;
  const argv = table.decode[['decode', TOKEN_PLACEHOLDER, ...args.slice(2)].join('\u0000')];
  return argv === undefined ? undefined : { kind: 'decode', argv: withToken(argv, token) as Record<string, unknown> };
}

/** The text of a text route, with this Node's version. */
export function fastText(texts: FastTable['texts'], line: string, nodeVersion: string): string {
  return (texts[line] ?? '').split(NODE_VERSION).join(nodeVersion);
}

/** A deep copy of the argv with the token in the placeholder's places. */
function withToken(value: unknown, token: string): unknown {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => withToken(v, token));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withToken(v, token)]));
  }
  return value;
}
