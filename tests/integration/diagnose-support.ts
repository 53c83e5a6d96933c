/**
 * Runs `kubectl satoken diagnose` in-process against the emulator, as a user would from a shell:
 * argv, a kubeconfig in KUBECONFIG, the emulator's clock, captured stdout/stderr and exit code.
 * Only the diagnose command is wired, so another command's work in progress cannot break these tests.
 */
import { diagnoseCommand } from '../../src/cli/commands/diagnose';
import type { Emulator } from '../apiserver';
import { cli, type CliRun } from '../support/cli';

export async function diagnose(k: Emulator, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return cli(['diagnose', ...args], { kubeconfig: k.kubeconfigPath, env, clock: () => k.clock.now(), commands: [diagnoseCommand] });
}

/** The JSON Diagnosis of one run (asserting it printed one). */
/** `env`: extra variables, e.g. a profile's Emulator.execEnv (its stand-in credential plugin on PATH). */
export async function diagnoseJson(k: Emulator, args: string[], env: Record<string, string> = {}): Promise<{ code: number; result: any; stderr: string }> {
  const r = await diagnose(k, [...args, '-o', 'json'], env);
  let result: any;
  try {
    result = JSON.parse(r.stdout);
  } catch {
    throw new Error(`diagnose printed no JSON (exit ${r.code}): ${r.stderr}${r.stdout}`);
  }
  return { code: r.code, result, stderr: r.stderr };
}

/** The first pod of a namespace (scenario pods have generated names). */
export function podIn(k: Emulator, namespace: string): string {
  const pods = k.store.list(k.cluster.type('', 'pods'), namespace).items;
  if (!pods.length) throw new Error(`no pod in ${namespace}`);
  return pods[0].metadata.name;
}
