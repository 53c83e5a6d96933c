/**
 * Golden outputs of decode in every format, through the real output path (src/output/render.ts
 * and the cli's token scrubbing). Times are fixed by an injected clock; tokens are signed with
 * the fixed test keys. Regenerate on purpose: UPDATE_GOLDEN=1 npx jest tests/unit/commands/decode
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeOptions, type DecodeFlags } from '../../../../src/commands/decode/options';
import { run } from '../../../../src/commands/decode/run';
import { scrubTokens } from '../../../../src/output/redact';
import { render } from '../../../../src/output/render';
import type { OutputFormat } from '../../../../src/output/types';
import { KEYS, TEST_NOW, jwksOf, makeBoundToken, makeExternalToken, makeLegacyToken, signatureOf } from '../../../support/tokens';

const GOLDEN = path.join(__dirname, '..', '..', '..', 'golden', 'decode');
const hour = 3600_000;
const ago = (ms: number) => new Date(TEST_NOW.getTime() - ms);

/** [name, flags, files]: each case is one section of every golden file. */
const CASES: Array<[string, DecodeFlags, Record<string, string>]> = [
  ['pod-bound token, signature verified', { filename: 'token', jwks: 'jwks.json' }, { token: makeBoundToken(), 'jwks.json': JSON.stringify(jwksOf(KEYS.rsa, KEYS.ec)) }],
  [
    'expired token for another audience',
    { token: makeBoundToken({ issuedAt: ago(4 * hour), audiences: ['vault'], boundTo: null, namespace: 'ci', serviceAccount: { name: 'builder', uid: '3f1e2d3c-4b5a-4697-8877-665544332211' } }), audience: ['https://kubernetes.default.svc.cluster.local'] },
    {},
  ],
  ['extended token, stale', { token: makeBoundToken({ key: KEYS.ec, issuedAt: ago(3 * hour), expirationSeconds: 365 * 86400, warnAfterSeconds: 3607 }) }, {}],
  ['legacy Secret token', { token: makeLegacyToken({ namespace: 'ci', serviceAccount: { name: 'deployer', uid: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b' }, secretName: 'deployer-token-7xq2p' }) }, {}],
  ['external OIDC token', { token: makeExternalToken(), issuer: ['https://kubernetes.default.svc.cluster.local'] }, {}],
];

async function output(format: OutputFormat): Promise<string> {
  const parts: string[] = [];
  for (const [name, flags, files] of CASES) {
    const { fakeDeps } = await import('./fakes');
    const fake = fakeDeps({ files, now: TEST_NOW });
    const outcome = await run(decodeOptions(flags), fake.deps);
    const text = await render(outcome.result, { format, color: false, now: TEST_NOW });
    parts.push(`### ${name} (exit ${outcome.problem ? 3 : 0})\n${scrubTokens(text)}`);
  }
  return parts.join('\n');
}

const signatures = CASES.flatMap(([, flags, files]) => [flags.token, files.token].filter((t): t is string => t !== undefined).map(signatureOf));

describe.each<OutputFormat>(['table', 'wide', 'json', 'yaml'])('decode -o %s', (format) => {
  it('matches the golden file', async () => {
    const file = path.join(GOLDEN, `${format}.txt`);
    const actual = await output(format);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, actual);
    }
    expect(actual).toBe(readFileSync(file, 'utf8'));
    for (const sig of signatures) expect(actual).not.toContain(sig);
  });
});
