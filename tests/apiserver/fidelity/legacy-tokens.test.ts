/**
 * Legacy token tracking and clean-up as a client sees them (issue 16 audit), through the HTTP API.
 * Upstream:
 * - pkg/controlplane/controller/legacytokentracking/controller.go syncConfigMap: the ConfigMap
 *   kube-system/kube-apiserver-legacy-service-account-token-tracking `since: <UTC date>`, created
 *   again with today's date when deleted, its `since` reset to today when it does not parse;
 * - pkg/controller/serviceaccount/legacy_serviceaccount_token_cleaner.go evaluateSATokens (default
 *   clean-up period one year): an auto-generated (listed in the SA's `secrets`), unused, unmounted
 *   token Secret is labelled `kubernetes.io/legacy-token-invalid-since`, and deleted a year later;
 *   mounted or manual (unlisted) ones are left alone;
 * - pkg/serviceaccount/legacy.go Validate: a labelled token is refused with its text, and its
 *   audit annotation `authentication.k8s.io/legacy-token-invalidated`.
 */
import { start, type Emulator } from '../index';

let k: Emulator;
const NS = 'legacy';
const CM = '/api/v1/namespaces/kube-system/configmaps/kube-apiserver-legacy-service-account-token-tracking';
const DAY = 24 * 3600;
const today = () => k.clock.now().toISOString().slice(0, 10);
const secretPath = (name: string) => `/api/v1/namespaces/${NS}/secrets/${name}`;

async function tokenSecret(name: string, sa = 'app') {
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/secrets`, {
    metadata: { name, annotations: { 'kubernetes.io/service-account.name': sa } },
    type: 'kubernetes.io/service-account-token',
  });
  expect(r.status).toBe(201);
}
const labels = async (name: string) => ((await k.adminRequest('GET', secretPath(name))).body as any).metadata?.labels ?? {};

beforeAll(async () => {
  k = await start();
}, 60_000);
afterAll(async () => {
  await k?.stop();
});

test('the tracking ConfigMap: since = the start date; re-created when deleted, repaired when invalid', async () => {
  const cm = await k.adminRequest('GET', CM);
  expect((cm.body as any).data).toEqual({ since: today() });
  expect((await k.adminRequest('DELETE', CM)).status).toBe(200);
  const again = await k.adminRequest('GET', CM);
  expect(again.status).toBe(200);
  expect((again.body as any).data).toEqual({ since: today() });
  const bad = structuredClone(again.body as any);
  bad.data.since = 'last tuesday';
  expect((await k.adminRequest('PUT', CM, bad)).status).toBe(200);
  expect(((await k.adminRequest('GET', CM)).body as any).data.since).toBe(today());
});

test('the cleaner labels an unused auto-generated token a year after tracking began, refuses it, and deletes it a year later', async () => {
  await k.adminRequest('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'app' } });
  await tokenSecret('auto-unused');
  await tokenSecret('auto-mounted');
  await tokenSecret('manual');
  const patch = await k.adminRequest('PATCH', `/api/v1/namespaces/${NS}/serviceaccounts/app`, { secrets: [{ name: 'auto-unused' }, { name: 'auto-mounted' }] }, { 'Content-Type': 'application/merge-patch+json' });
  expect(patch.status).toBe(200);
  const pod = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, {
    metadata: { name: 'uses-it' },
    spec: { serviceAccountName: 'app', containers: [{ name: 'a', image: 'debian:12' }], volumes: [{ name: 't', secret: { secretName: 'auto-mounted' } }] },
  });
  expect(pod.status).toBe(201);
  const token = Buffer.from(((await k.adminRequest('GET', secretPath('auto-unused'))).body as any).data.token, 'base64').toString();
  const since = Date.parse(`${today()}T00:00:00Z`);

  // A year is not enough: tracking began the day after `since`.
  await k.adminRequest('POST', '/_emulator/clock', { advanceSeconds: 365 * DAY });
  expect(await labels('auto-unused')).not.toHaveProperty(['kubernetes.io/legacy-token-invalid-since']);

  await k.adminRequest('POST', '/_emulator/clock', { advanceSeconds: 2 * DAY });
  const eligibleDay = new Date(since + 366 * DAY * 1000).toISOString().slice(0, 10);
  expect(await labels('auto-unused')).toMatchObject({ 'kubernetes.io/legacy-token-invalid-since': eligibleDay });
  expect(await labels('auto-mounted')).not.toHaveProperty(['kubernetes.io/legacy-token-invalid-since']);
  expect(await labels('manual')).not.toHaveProperty(['kubernetes.io/legacy-token-invalid-since']);

  const review = await k.adminRequest('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
  expect((review.body as any).status.error).toBe(
    `[invalid bearer token, the token in secret ${NS}/auto-unused for service account ${NS}/app has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to temporarily allow use of this token]`,
  );
  expect((await k.request('GET', `/api/v1/namespaces/${NS}/pods`, { token })).status).toBe(401);

  await k.adminRequest('POST', '/_emulator/clock', { advanceSeconds: 366 * DAY });
  expect((await k.adminRequest('GET', secretPath('auto-unused'))).status).toBe(404);
  expect((await k.adminRequest('GET', secretPath('auto-mounted'))).status).toBe(200);
  expect((await k.adminRequest('GET', secretPath('manual'))).status).toBe(200);
}, 60_000);
