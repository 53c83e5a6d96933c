/**
 * Golden outputs of mint: the TokenRequest (-o json|yaml) and the decoded token (--decode in each
 * format), from a fake API server, with the injected clock. The token itself is normalised to
 * <token> in the files (a golden file never holds a whole token). Regenerate on purpose:
 *   UPDATE_GOLDEN=1 npx jest tests/unit/commands/mint/golden.test.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintCommand } from '../../../../src/cli/commands/mint';
import type { CliContext } from '../../../../src/cli/command';
import { render } from '../../../../src/output/render';
import type { OutputFormat } from '../../../../src/output/types';
import { makeBoundToken, TEST_ISSUER } from '../../../support/tokens';
import { fakeDeps, NOW, type FakeCluster } from '../test-auth/fakes';

const GOLDEN = join(__dirname, '../../../golden/mint');
const EXT: Record<OutputFormat, string> = { table: 'txt', wide: 'txt', json: 'json', yaml: 'yaml' };
const token = makeBoundToken({ issuedAt: NOW, boundTo: null, expirationSeconds: 3600 });
const cluster: FakeCluster = {
  caller: {
    createToken: (namespace, name, spec) => ({
      tokenRequest: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: { name, namespace, creationTimestamp: NOW },
        spec: { audiences: spec.audiences ?? [TEST_ISSUER], expirationSeconds: spec.expirationSeconds ?? 3600 },
        status: { token, expirationTimestamp: new Date(NOW.getTime() + 3600_000) },
      },
      warnings: [],
    }),
  },
};
const ctx = (format: string): CliContext => ({ deps: fakeDeps(cluster, []), format, flags: { requestTimeoutMs: 0 }, sys: { stdoutIsTTY: false } as CliContext['sys'] });

function check(name: string, text: string) {
  const normalised = text.split(token).join('<token>');
  expect(normalised).not.toContain(token.split('.')[2]);
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, normalised);
  }
  expect(normalised).toBe(readFileSync(file, 'utf8'));
}

describe('mint golden outputs', () => {
  test.each(['json', 'yaml'] as OutputFormat[])('-o %s: the TokenRequest', async (format) => {
    const out = await mintCommand.run({ serviceaccount: 'app', output: format, duration: '1h' }, ctx(format));
    expect(out.showTokens).toBe(true);
    check(`tokenrequest.${EXT[format]}`, await render(out.outcome.result, { format, color: false, now: NOW }));
  });

  test.each(['table', 'wide', 'json', 'yaml'] as OutputFormat[])('--decode -o %s: the TokenInspection', async (format) => {
    const out = await mintCommand.run({ serviceaccount: 'app', decode: true, ...(format === 'table' ? {} : { output: format }) }, ctx(format));
    expect(out.renderAs).toBe(format);
    check(`decode.${format}.${EXT[format]}`, await render(out.outcome.result, { format: out.renderAs!, color: false, now: NOW }));
  });
});
