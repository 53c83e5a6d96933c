/**
 * Scenario registry: named sets of objects seeded at start (`--scenarios NAME`). The demo's broken
 * workloads register here (one namespace per failure mode); `healthy` is the reference case.
 */
import type { Cluster } from '../cluster';
import { audit } from './audit';
import { demo } from './demo';
import { healthy } from './healthy';

/** A scenario seeds the cluster through the public helpers (createObject, the store, the clock). */
export interface Scenario {
  name: string;
  describe: string;
  seed(cluster: Cluster): void;
}

const registry = new Map<string, Scenario>();

export function registerScenario(s: Scenario): void {
  registry.set(s.name, s);
}

/** Scenario sets: a name that is not a scenario may name a group of them (e.g. demo). */
const groups = new Map<string, string[]>([['demo', ['healthy', 'diagnose-demo']]]);

export function registerScenarioGroup(name: string, members: string[]): void {
  groups.set(name, members);
}

export function scenarioNames(): string[] {
  return [...registry.keys()];
}

export function seedScenarios(cluster: Cluster, names: string[]): void {
  const expanded = names.flatMap((n) => groups.get(n) ?? [n]);
  for (const n of [...new Set(expanded)]) {
    const s = registry.get(n);
    if (!s) throw new Error(`unknown scenario "${n}" (known: ${[...registry.keys(), ...groups.keys()].join(', ')})`);
    s.seed(cluster);
  }
}

registerScenario(healthy);
registerScenario(demo);
registerScenario(audit);
