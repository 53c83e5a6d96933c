import { inspectToken } from '../../../../src/jwt';
import { renderTokenInspection } from '../../../../src/output/tables/token-inspection';
import type { RenderOptions } from '../../../../src/output/types';
import { TEST_NOW, makeBoundToken, signatureOf } from '../../../support/tokens';

const opts = (o: Partial<RenderOptions> = {}): RenderOptions => ({ format: 'table', color: false, now: TEST_NOW, ...o });
const expired = makeBoundToken({ issuedAt: new Date(TEST_NOW.getTime() - 4 * 3600_000) });
const inspect = (token: string, showToken = false) => inspectToken(token, { now: TEST_NOW, source: 'argument', showToken });

describe('the TokenInspection table', () => {
  it('relative times against opts.now: "expired 3h ago", "expires in 41m"', async () => {
    const text = renderTokenInspection(await inspect(expired), opts());
    expect(text).toMatch(/^ {2}exp: +2026-11-28T13:00:00Z \(expired 3h ago\)$/m);
    const fresh = renderTokenInspection(await inspect(makeBoundToken()), opts());
    expect(fresh).toMatch(/^ {2}Expires at: +2026-11-28T16:41:00Z \(expires in 41m\)$/m);
  });

  it('colour only when opts.color', async () => {
    const r = await inspect(expired);
    expect(renderTokenInspection(r, opts())).not.toContain('\u001b[');
    const coloured = renderTokenInspection(r, opts({ color: true }));
    expect(coloured).toContain('\u001b[31mERROR\u001b[0m');
    expect(coloured).toContain('\u001b[90mnot-checked\u001b[0m');
  });

  it('-o wide adds the NumericDates', async () => {
    const r = await inspect(expired);
    expect(renderTokenInspection(r, opts())).not.toContain('[1795870800]');
    expect(renderTokenInspection(r, opts({ format: 'wide' }))).toMatch(/exp: .*\(expired 3h ago\) {2}\[1795870800\]/);
  });

  it('the whole token only when the result carries it (--show-token); never the signature otherwise', async () => {
    expect(renderTokenInspection(await inspect(expired), opts())).not.toContain(signatureOf(expired));
    const shown = renderTokenInspection(await inspect(expired, true), opts());
    expect(shown).toContain(`Token (a secret, shown on request):\n  ${expired}\n`);
  });
});
