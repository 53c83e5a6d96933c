/**
 * Golden outputs of diagnose in every format: a healthy pod, a failing one (NotReady node, expired
 * token), and a scan. Fake API server, the tests' signed tokens, the injected clock. Regenerate on purpose:
 *   UPDATE_GOLDEN=1 npx jest tests/unit/commands/diagnose/golden.test.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnoseOptions, type DiagnoseFlags } from '../../../../src/commands/diagnose/options';
import { runDiagnose } from '../../../../src/commands/diagnose/run';
import { render } from '../../../../src/output/render';
import type { OutputFormat } from '../../../../src/output/types';
import { makeBoundToken, signatureOf } from '../../../support/tokens';
import { makeNode, makePod, NOW, SA_DIR, SA_UID } from '../../checks/fakes';
import { answers, deps, roundTripApi, stat } from './fakes';

const GOLDEN = join(__dirname, '../../../golden/diagnose');
const EXT: Record<OutputFormat, string> = { table: 'txt', wide: 'txt', json: 'json', yaml: 'yaml' };
const at = (minAgo: number) => new Date(NOW.getTime() - minAgo * 60_000).toISOString().replace('T', ' ').replace('Z', '000000 +0000');

const expiredToken = makeBoundToken({ serviceAccount: { name: 'app', uid: SA_UID }, issuedAt: new Date(NOW.getTime() - 2 * 3600_000), expirationSeconds: 3600 });
const exec = (token: string, minAgo: number) => () => ({
  stdout: [stat(at(minAgo)), `${SA_DIR}/ca.crt|1099|${at(minAgo)}|${at(minAgo)}`, `${SA_DIR}/namespace|7|${at(minAgo)}|${at(minAgo)}`, '--satoken-token--', token].join('\n'),
  stderr: '',
  exitCode: 0,
});

const CASES: Record<string, { flags: DiagnoseFlags; main: Record<string, (...a: any[]) => unknown>; token?: Record<string, (...a: any[]) => unknown> }> = {
  healthy: { flags: { pod: 'web-7d4b9c-x2x9q', explain: true }, main: answers },
  failing: {
    flags: { pod: 'web-7d4b9c-x2x9q' },
    main: {
      ...answers,
      readNode: () => makeNode('Unknown'),
      exec: exec(expiredToken, 120),
      createTokenReview: () => ({ status: { authenticated: false, error: '[invalid bearer token, service account token has expired]' } }),
    },
  },
  scan: {
    flags: { allNamespaces: true },
    main: {
      ...answers,
      listPods: () => ({
        items: [
          makePod(),
          makePod((p) => {
            p.metadata!.name = 'batch-0';
            p.metadata!.namespace = 'jobs';
            p.spec!.serviceAccountName = 'runner';
            p.spec!.automountServiceAccountToken = false;
            p.spec!.volumes = [];
            p.spec!.containers[0].volumeMounts = [];
          }),
        ],
      }),
      listServiceAccounts: () => ({ items: [{ metadata: { name: 'app', namespace: 'default', uid: SA_UID } }, { metadata: { name: 'runner', namespace: 'jobs', uid: 'r' } }] }),
      listNodes: () => ({ items: [makeNode()] }),
    },
  },
};

describe('diagnose golden outputs', () => {
  const table = Object.keys(CASES).flatMap((name) => (['table', 'wide', 'json', 'yaml'] as OutputFormat[]).map((f) => [name, f] as const));
  test.each(table)('%s, -o %s', async (name, format) => {
    const c = CASES[name];
    const main = roundTripApi(c.main);
    const asToken = roundTripApi(c.token ?? { createSelfSubjectAccessReview: () => ({ status: { allowed: true } }) });
    const { result } = await runDiagnose(diagnoseOptions(c.flags), deps(main.api, asToken.api));
    const text = await render(result, { format, color: false, now: NOW, explain: c.flags.explain });
    expect(text).not.toContain(signatureOf(expiredToken));
    const file = join(GOLDEN, `${name}.${format}.${EXT[format]}`);
    if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, text);
    }
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});
