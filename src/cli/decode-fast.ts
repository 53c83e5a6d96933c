/**
 * `decode TOKEN` on the launcher's fast path (fast-path.ts): the decode command with the argv the
 * build computed with yargs, run by the same execute() as every command — without loading yargs,
 * the other commands or their tables. In dist/ this is its own file, satoken-decode.cjs (scripts/cli-chunks.mjs).
 */
import { renderer } from '../output/renderer.js';
import { renderTokenInspection } from '../output/tables/token-inspection.js';
import { decodeCommand } from './commands/decode.js';
import { execute } from './execute.js';
import type { System } from './system.js';

/** decode's only result kind; its errors are lines on stderr, not results. */
const render = renderer({ TokenInspection: renderTokenInspection });

/** Returns the exit code. Never throws. The fast path's command lines carry no --debug. */
export function runDecode(argv: Record<string, unknown>, sys: System): Promise<number> {
  return execute(decodeCommand, argv, sys, false, render);
}
