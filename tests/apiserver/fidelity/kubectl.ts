/**
 * The real kubectl (and the built plugin) against an emulator, for the fidelity tests: run
 * asynchronously (the emulator lives in the test's process: a synchronous spawn would block it),
 * with a PATH of only dist/, Node 24 and kubectl.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanPath, KUBECTL } from '../../support/bundle';
import { findKubectl } from '../../support/kubectl';
import type { Emulator } from '../index';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Why kubectl tests skip, or undefined when kubectl >= 1.28 is there. */
export const kubectlMissing = findKubectl() === undefined ? 'no kubectl >= 1.28 on PATH' : undefined;

export class Shell {
  readonly work = mkdtempSync(path.join(tmpdir(), 'fidelity-'));
  constructor(private readonly k: () => Emulator) {}

  run(file: string, args: string[], input?: string): Promise<Run> {
    return new Promise((resolve) => {
      const env = { PATH: cleanPath(this.work), HOME: this.work, KUBECONFIG: this.k().kubeconfigPath };
      const child = execFile(file, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
      if (input !== undefined) child.stdin!.end(input);
    });
  }

  kubectl(args: string[], input?: string): Promise<Run> {
    return this.run(KUBECTL, args, input);
  }

  /** kubectl that must succeed: its stdout. */
  async ok(args: string[], input?: string): Promise<string> {
    const r = await this.kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  cleanup(): void {
    rmSync(this.work, { recursive: true, force: true });
  }
}

/** A JWT's payload (no verification: the tests read what the emulator issued). */
export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.trim().split('.')[1]!, 'base64url').toString());
