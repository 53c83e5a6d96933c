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
  /** How far seeding moves the emulated clock on (seconds); a caller starts the clock that much in the past. */
  advancesClockSeconds?: number;
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

/** A scenario or group name that is neither: its message is one line naming the known ones. */
export class UnknownScenarioError extends Error {}

/**
 * The scenarios `names` seed, groups expanded, in order, each once. With a profile, `demo` is that
 * profile's demo (`demo-<profile>`: its provider cases and the generic ones), as `npm run demo
 * -- --profile P` seeds it. Throws UnknownScenarioError for a name that is neither.
 */
export function expandScenarios(names: string[], profile?: string): string[] {
  const expanded = names.flatMap((n) => {
    const name = n === 'demo' && profile !== undefined && groups.has(`demo-${profile}`) ? `demo-${profile}` : n;
    return groups.get(name) ?? [name];
  });
  for (const n of expanded) {
    if (!registry.has(n)) throw new UnknownScenarioError(`unknown scenario "${n}" (known: ${[...registry.keys(), ...groups.keys(), 'none'].join(', ')})`);
  }
  return [...new Set(expanded)];
}

/** How far seeding `names` moves the emulated clock on, in seconds. */
export function scenarioClockSeconds(names: string[], profile?: string): number {
  return expandScenarios(names, profile).reduce((sum, n) => sum + (registry.get(n)!.advancesClockSeconds ?? 0), 0);
}

export function seedScenarios(cluster: Cluster, names: string[]): void {
  for (const n of expandScenarios(names)) registry.get(n)!.seed(cluster);
}

registerScenario(healthy);
registerScenario(demo);
registerScenario(audit);
// The provider demos: the generic demo plus that profile's cases, seeded first so that they age with
// the demo's clock (`--profile NAME --scenarios demo` seeds demo-NAME: expandScenarios).
for (const s of PROVIDER_SCENARIOS) registerScenario(s);
for (const p of PROFILE_NAMES) registerScenarioGroup(`demo-${p}`, ['healthy', `provider-${p}`, 'diagnose-demo']);
