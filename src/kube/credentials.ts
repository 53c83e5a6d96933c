/**
 * The kubeconfig's exec credential plugin, as client-node's ExecAuth runs it, made safe: its
 * child is bounded by --request-timeout and ended by Ctrl-C (client-node spawns it with neither,
 * so a plugin waiting for a browser login hung every command), and its failures are worded as a
 * one-line cause that names the plugin (client-node throws bare stderr, JSON and type errors).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { KubeConfig } from '@kubernetes/client-node';
import { OperationError } from '../errors.js';
import { formatDuration } from './errormap.js';

/** What we know of the plugin runs of one KubeConfig, to word their failures. */
interface PluginState {
  timeoutMs: number;
  signal: AbortSignal;
  /** The last run was killed because it outlived the timeout. */
  timedOut: boolean;
}

const states = new WeakMap<KubeConfig, PluginState>();

/** client-node's ExecAuth, by shape: its spawn function is an instance field. */
interface ExecAuthLike {
  execFn: (command: string, args: readonly string[] | undefined, options: SpawnOptions) => ChildProcess;
}

/** Replaces the spawn of kc's ExecAuth with one bounded by `timeoutMs` (0 = none) and `signal`. */
export function guardExecPlugin(kc: KubeConfig, timeoutMs: number, signal: AbortSignal): void {
  const state: PluginState = { timeoutMs, signal, timedOut: false };
  states.set(kc, state);
  const authenticators = (kc as unknown as { authenticators?: unknown[] }).authenticators ?? [];
  for (const a of authenticators) {
    if (a === null || typeof a !== 'object' || typeof (a as ExecAuthLike).execFn !== 'function') continue;
    (a as ExecAuthLike).execFn = (command, args, options) => {
      state.timedOut = false;
      const child = spawn(command, args ?? [], {
        ...options,
        // No stdin: kubectl gives a plugin the terminal only in interactive mode, which we never are.
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Ending the plugin also closes our ends of its pipes: whatever it started (a shell's
      // `sleep`, a browser helper) would hold them open and keep client-node waiting.
      const end = () => {
        child.kill('SIGKILL');
        child.stdout?.destroy();
        child.stderr?.destroy();
      };
      // Killed a little before the call's own deadline, so that the error names the plugin.
      const timer = timeoutMs > 0 ? setTimeout(() => ((state.timedOut = true), end()), timeoutMs - Math.min(250, timeoutMs / 4)) : undefined;
      const onAbort = () => end();
      signal.addEventListener('abort', onAbort, { once: true });
      child.on('close', () => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      });
      return child;
    };
  }
}

/** The user's exec plugin command, for the error line. */
function pluginCommand(kc: KubeConfig): string | undefined {
  const user = kc.getCurrentUser() as { exec?: { command?: string }; authProvider?: { config?: { exec?: { command?: string } } } } | null;
  return user?.exec?.command ?? user?.authProvider?.config?.exec?.command;
}

/** Turns a failure to apply kc's credentials into one OperationError that names the cause. */
export function credentialFailure(kc: KubeConfig, e: unknown): Error {
  if (e instanceof OperationError) return e;
  const state = states.get(kc);
  if (state?.signal.aborted) return new OperationError('interrupted');
  const command = pluginCommand(kc);
  const err = e as NodeJS.ErrnoException | undefined;
  if (!command) return e instanceof Error ? e : new Error(String(e));
  const what = `the kubeconfig's exec credential plugin "${command}"`;
  const fix = 'run the plugin by hand to see what it needs (a login?), or fix users[].user.exec in the kubeconfig';
  if (err?.code === 'ENOENT') return new OperationError(`${what} was not found (is it installed and on PATH?)`, fix);
  if (err?.code === 'EACCES') return new OperationError(`${what} cannot be run (permission denied)`, fix);
  if (state?.timedOut) {
    return new OperationError(`${what} did not finish within ${formatDuration(state.timeoutMs)}`, 'raise --request-timeout, or run the plugin by hand: it may be waiting for a login');
  }
  if (e instanceof SyntaxError) return new OperationError(`${what} printed something that is not JSON (an ExecCredential is expected)`, fix);
  if (e instanceof TypeError) return new OperationError(`${what} did not print an ExecCredential with a status`, fix);
  const first = (err?.message ?? '').trim().split('\n')[0];
  return new OperationError(`${what} failed (${first || 'it exited with an error and printed nothing'})`, fix);
}
