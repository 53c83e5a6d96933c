/**
 * Scenario registry: named sets of objects seeded at start (`--scenarios NAME`). The demo's broken
 * workloads register here (one namespace per failure mode); `healthy` is the reference case.
 */
import type { Cluster } from '../cluster';
import { audit } from './audit';
import { demo } from './demo';
import { healthy } from './healthy';
import { PROVIDER_SCENARIOS } from './providers';
import { PROFILE_NAMES } from '../profiles';

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
// The provider demos: the generic demo plus that profile's cases, seeded first so that they age with
// the demo's clock (`npm run demo -- --profile NAME` → --scenarios demo-NAME).
for (const s of PROVIDER_SCENARIOS) registerScenario(s);
for (const p of PROFILE_NAMES) registerScenarioGroup(`demo-${p}`, ['healthy', `provider-${p}`, 'diagnose-demo']);
