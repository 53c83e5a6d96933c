/**
 * A scan (`diagnose -A`, no token read) judges the identity-webhook setup as `diagnose POD` does:
 * its slim copies of ServiceAccounts and nodes keep the annotations and labels third-party-tokens
 * reads (THIRD_PARTY_READS). Before, they dropped them, and a scan called the unlabelled AKS pod and
 * the GKE pod on a node without the metadata server healthy.
 */
import { start, type Emulator } from '../apiserver';
import type { ProfileName } from '../apiserver/profiles';
import { diagnoseJson } from './diagnose-support';

const cases: Array<[ProfileName, string, 'healthy' | 'failing']> = [
  ['eks', 'eks-irsa-healthy', 'healthy'],
  ['eks', 'eks-irsa-missing', 'failing'],
  ['aks', 'aks-wi-healthy', 'healthy'],
  ['aks', 'aks-wi-unlabelled', 'failing'],
  ['gke', 'gke-wi-healthy', 'healthy'],
  ['gke', 'gke-wi-no-metadata-server', 'failing'],
];

describe.each(['eks', 'aks', 'gke'] as const)('%s: diagnose -A', (profile) => {
  let k: Emulator;
  let items: any[];
  beforeAll(async () => {
    k = await start({ profile, scenarios: `provider-${profile}` });
    items = (await diagnoseJson(k, ['-A'], k.execEnv)).result.items;
  }, 60_000);
  afterAll(() => k?.stop());

  test.each(cases.filter(([p]) => p === profile).map(([, ns, status]) => [ns, status]))('%s: %s', (namespace, status) => {
    const item = items.find((i) => i.pod.namespace === namespace);
    expect(item).toBeDefined();
    const check = item.checks.find((c: { id: string }) => c.id === 'third-party-tokens');
    expect({ status: item.status, rootCause: item.rootCause?.check ?? null, check: check.status }).toEqual(
      // A scan without --deep reads no token: a sound spec is inconclusive, never healthy.
      status === 'healthy' ? { status: 'inconclusive', rootCause: null, check: 'pass' } : { status: 'failing', rootCause: 'third-party-tokens', check: 'fail' },
    );
  });
});
