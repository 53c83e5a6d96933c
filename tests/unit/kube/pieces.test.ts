/** Smaller pure pieces: pagination loop, exit codes, the token kubeconfig, the start-up boundary. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { ApiError } from '../../../src/kube/errors';
import { exitCodeFromStatus } from '../../../src/kube/exec';
import { listAll, listPages } from '../../../src/kube/list';
import { kubeconfigForToken } from '../../../src/kube/tokenconfig';
import type { ListOptions, Page } from '../../../src/kube/types';

it('listAll asks page by page with the default chunk and stops at the last', async () => {
  const asked: ListOptions[] = [];
  const fake = async (o: ListOptions): Promise<Page<number>> => {
    asked.push(o);
    const start = Number(o.continue ?? 0);
    return { items: [start, start + 1], continue: start < 4 ? String(start + 2) : undefined };
  };
  const pages: number[][] = [];
  for await (const p of listAll(fake, { labelSelector: 'x=y' })) pages.push(p.items);
  expect(pages).toEqual([[0, 1], [2, 3], [4, 5]]);
  expect(asked.map((o) => [o.limit, o.continue, o.singlePage, o.labelSelector])).toEqual([
    [500, undefined, true, 'x=y'],
    [500, '2', true, 'x=y'],
    [500, '4', true, 'x=y'],
  ]);
});

it('a server repeating a continue token cannot loop us forever', async () => {
  const pages = listPages(async () => ({ items: [1], continue: 'same' }));
  await expect((async () => {
    for await (const _ of pages) {
      /* drain */
    }
  })()).rejects.toThrow(/same continue token twice/);
});

it('exit codes from the exec V1Status', () => {
  expect(exitCodeFromStatus({ status: 'Success' }, 'exec')).toBe(0);
  expect(exitCodeFromStatus({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '137' }] } }, 'exec')).toBe(137);
  expect(() => exitCodeFromStatus({ status: 'Failure', code: 500, reason: 'InternalError', message: 'boom' }, 'exec in pod "p"')).toThrow(ApiError);
});

it('kubeconfigForToken: the cluster with its CA embedded, a user named after the SA, a namespaced context', () => {
  const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const text = kubeconfigForToken(
    { contextName: 'admin@prod', clusterName: 'prod', server: 'https://prod:6443', caPem, tlsServerName: 'kubernetes', inCluster: false },
    'ci-bot',
    'tok.en.value',
    'ci',
  );
  expect(parse(text)).toEqual({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'prod', cluster: { server: 'https://prod:6443', 'certificate-authority-data': Buffer.from(caPem).toString('base64'), 'tls-server-name': 'kubernetes' } }],
    users: [{ name: 'ci-bot', user: { token: 'tok.en.value' } }],
    contexts: [{ name: 'ci-bot@prod', context: { cluster: 'prod', user: 'ci-bot', namespace: 'ci' } }],
    'current-context': 'ci-bot@prod',
  });
});

it('only src/kube/connect.ts imports client-node at run time (start-up stays light)', () => {
  const root = join(__dirname, '../../../src');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.ts')) files.push(join(d, e.name));
    }
  };
  walk(root);
  const offenders = files.filter((f) => {
    const src = readFileSync(f, 'utf8');
    const runtime = /^\s*import\s+(?!type\b)[^;]*from\s+['"]@kubernetes\/client-node['"]/m.test(src) || /import\(\s*['"]@kubernetes\/client-node['"]\s*\)(?!\s*[>)\]])/.test(src.replace(/typeof import\(/g, ''));
    return runtime && relative(root, f) !== join('kube', 'connect.ts');
  });
  expect(offenders).toEqual([]);
});
