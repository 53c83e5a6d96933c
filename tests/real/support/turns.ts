/**
 * Turns on the run-wide cluster when jest runs files side by side (more than one worker): a file
 * that changes the cluster (reconfigure, setKubelet) has it alone, from its first test to its last.
 * Such a file asks with `sharedCluster({ exclusive: true })`; it waits until every other real-tier
 * file in flight is waiting too (files that only use the cluster wait while a changing file waits or
 * holds it), and among changing files the first by path goes first. With one worker (the default on
 * two cores) no two files are ever in flight together and nobody waits.
 *
 * State lives in the directory of in-flight markers (SATOKEN_REAL_IN_FLIGHT, kept by
 * in-flight-reporter.cjs, which also clears a file's turn markers when it ends, however it ended):
 * `wait-exclusive.<file>`, `wait-shared.<file>` and `holder` (the holder's file).
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TurnState {
  /** Real-tier files handed to a worker and not yet ended. */
  inFlight: string[];
  waitingExclusive: string[];
  waitingShared: string[];
  /** The file holding the cluster alone, if any. */
  holder?: string;
}

/** Whether `me` may go on now. Pure, so that the rules are tested without a cluster. */
export function mayProceed(state: TurnState, me: string, exclusive: boolean): boolean {
  if (state.holder !== undefined && state.holder !== me) return false;
  if (!exclusive) return state.waitingExclusive.length === 0;
  if ([...state.waitingExclusive].sort()[0] !== me) return false;
  const waiting = new Set([...state.waitingExclusive, ...state.waitingShared]);
  return state.inFlight.every((f) => f === me || waiting.has(f));
}

const enc = (file: string) => encodeURIComponent(file);

function readState(dir: string): TurnState {
  const names = readdirSync(dir);
  const tagged = (prefix: string) => names.filter((n) => n.startsWith(prefix)).map((n) => decodeURIComponent(n.slice(prefix.length)));
  let holder: string | undefined;
  try { holder = readFileSync(path.join(dir, 'holder'), 'utf8'); } catch { /* nobody */ }
  return {
    inFlight: names.filter((n) => !n.startsWith('wait-') && n !== 'holder').map((n) => decodeURIComponent(n)),
    waitingExclusive: tagged('wait-exclusive.'),
    waitingShared: tagged('wait-shared.'),
    holder,
  };
}

/** Waits for this file's turn; resolves with the function that ends it. No-op without a run-wide directory. */
export async function takeTurn(me: string, exclusive: boolean, say: (line: string) => void = () => {}): Promise<() => void> {
  const dir = process.env.SATOKEN_REAL_IN_FLIGHT;
  if (!dir || !existsSync(dir)) return () => {};
  const mark = path.join(dir, `wait-${exclusive ? 'exclusive' : 'shared'}.${enc(me)}`);
  writeFileSync(mark, '');
  let said = false;
  try {
    for (;;) {
      const state = readState(dir);
      if (mayProceed(state, me, exclusive)) {
        if (!exclusive) break;
        try {
          writeFileSync(path.join(dir, 'holder'), me, { flag: 'wx' });
          break;
        } catch { /* another took it between our read and our write: look again */ }
      }
      if (!said) say(`${path.basename(me)} waits for its turn on the shared real cluster`);
      said = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    rmSync(mark, { force: true });
  }
  return exclusive ? () => rmSync(path.join(dir, 'holder'), { force: true }) : () => {};
}
