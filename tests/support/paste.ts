/**
 * Pastes a printed command into a real POSIX shell (/bin/sh -c), as an operator would, with
 * stand-ins for the programs it calls (kubectl, aws, gcloud) first on PATH. Each stand-in records
 * the argv it received and, when an argument is `-`, what it read on stdin. The run happens in a
 * fresh directory, so a command an attacker smuggled in (`touch pwned`) leaves a file to find.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Call {
  program: string;
  argv: string[];
  stdin?: string;
}

export interface Pasted {
  calls: Call[];
  /** Files the command left in its working directory (none, for a command that only calls the stand-ins). */
  files: string[];
}

const STAND_IN = `#!/bin/sh
rec="$PASTE_RECORD/$(basename "$0").$$"
printf '%s\\0' "$@" > "$rec.argv"
for a in "$@"; do if [ "$a" = - ]; then cat > "$rec.stdin"; break; fi; done
exit 0
`;

export async function paste(line: string): Promise<Pasted> {
  const root = mkdtempSync(path.join(tmpdir(), 'satoken-paste-'));
  try {
    const bin = path.join(root, 'bin');
    const record = path.join(root, 'record');
    const cwd = path.join(root, 'cwd');
    for (const d of [bin, record, cwd]) mkdirSync(d);
    for (const p of ['kubectl', 'aws', 'gcloud']) {
      writeFileSync(path.join(bin, p), STAND_IN);
      chmodSync(path.join(bin, p), 0o755);
    }
    // A failing pasted command (a syntax error the injection caused) is a finding, not a test error.
    await run('/bin/sh', ['-c', line], { cwd, env: { PATH: `${bin}:/usr/bin:/bin`, PASTE_RECORD: record, HOME: cwd }, timeout: 15_000 }).catch(() => undefined);
    const calls: Call[] = [];
    for (const f of readdirSync(record).filter((f) => f.endsWith('.argv'))) {
      const base = f.slice(0, -'.argv'.length);
      const argv = readFileSync(path.join(record, f), 'utf8').split('\0').slice(0, -1);
      let stdin: string | undefined;
      try {
        stdin = readFileSync(path.join(record, `${base}.stdin`), 'utf8');
      } catch {
        // the program read no stdin
      }
      calls.push({ program: base.replace(/\.\d+$/, ''), argv, ...(stdin !== undefined ? { stdin } : {}) });
    }
    return { calls, files: readdirSync(cwd) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The argv /bin/sh gives `printf '%s\0'` for a command line's words: what the shell made of them. */
export async function shellWords(words: string): Promise<string[]> {
  const { stdout } = await run('/bin/sh', ['-c', `printf '%s\\0' ${words}`], { encoding: 'buffer', env: { PATH: '/usr/bin:/bin' }, timeout: 15_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout.toString('utf8').split('\0').slice(0, -1);
}
