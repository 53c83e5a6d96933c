/**
 * Golden outputs of `audit` for the generated fixtures, in every format, with the injected clock.
 * Regenerate on purpose: UPDATE_GOLDEN=1 npx jest tests/unit/commands/audit/golden.test.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAudit } from '../../../../src/commands/audit/run';
import { render } from '../../../../src/output/render';
import type { OutputFormat } from '../../../../src/output/types';
import { FILES } from '../../../fixtures/audit/generate';
import { NOW, fakeDeps, memorySource } from './helpers';

const FIXTURES = join(__dirname, '../../../fixtures/audit');
const GOLDEN = join(__dirname, '../../../golden/audit');
const EXT: Record<OutputFormat, string> = { table: 'txt', wide: 'txt', json: 'json', yaml: 'yaml' };

describe('golden outputs', () => {
  test.each(['table', 'wide', 'json', 'yaml'] as OutputFormat[])('%s', async (format) => {
    const sources = [FILES.current, FILES.middle, FILES.oldest].map((n) => memorySource(n, readFileSync(join(FIXTURES, n)), 65536));
    const { result } = await runAudit({ sources, clusterLookup: false, periodDays: 365, extensionSeconds: 365 * 86400 }, fakeDeps());
    const text = await render(result, { format, color: false, now: NOW });
    const file = join(GOLDEN, `${format}.${EXT[format]}`);
    if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, text);
    }
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});
