/** --objects: YAML streams and JSON Lists parse to the same objects; a bulk load is indexed and listable. */
import { parseAllDocuments } from 'yaml';
import { parseObjects } from './objects';
import { start } from './index';

const yamlText = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: a
  namespace: bulk
  annotations:
    note: "yes"
    when: 2026-01-01T00:00:00Z
automountServiceAccountToken: false
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: b, namespace: bulk}
  data:
    multi: |
      line one
      line two
    num: "1"
---
`;

test('YAML documents parse as the yaml package reads them (core schema: timestamps stay strings)', () => {
  const fast = parseObjects(yamlText);
  const reference = parseAllDocuments(yamlText)
    .map((d) => d.toJS())
    .filter(Boolean)
    .flatMap((d: any) => (d.kind === 'List' ? d.items : [d]));
  expect(fast).toEqual(reference);
  expect(fast[0].metadata.annotations!.when).toBe('2026-01-01T00:00:00Z');
  expect(fast[1].data.multi).toBe('line one\nline two\n');
});

test('a JSON List and typed lists flatten; kinds are kept', () => {
  const list = JSON.stringify({ apiVersion: 'v1', kind: 'SecretList', items: [{ metadata: { name: 's', namespace: 'x' } }] });
  expect(parseObjects(list)).toEqual([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'x' } }]);
});

test('bulk-loaded objects get metadata, their namespace and its defaults, and page in order', async () => {
  const objects = Array.from({ length: 2000 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${String(i).padStart(4, '0')}`, namespace: 'bulk' }, data: { i: String(i) } }));
  const t = Date.now();
  const k = await start({ objects: [...parseObjects(yamlText), ...objects] });
  try {
    expect(Date.now() - t).toBeLessThan(15_000);
    const ns = await k.adminRequest('GET', '/api/v1/namespaces/bulk');
    expect(ns.body.status.phase).toBe('Active');
    expect((await k.adminRequest('GET', '/api/v1/namespaces/bulk/serviceaccounts/default')).status).toBe(200);
    const page = await k.adminRequest('GET', '/api/v1/namespaces/bulk/configmaps?limit=3');
    expect(page.body.items.map((o: any) => o.metadata.name)).toEqual(['b', 'cm-0000', 'cm-0001']);
    expect(page.body.items[1].metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(page.body.metadata.remainingItemCount).toBe(2002 - 3);
  } finally {
    await k.stop();
  }
});
