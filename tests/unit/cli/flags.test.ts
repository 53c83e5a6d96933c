import { parseDuration } from '../../../src/cli/flags';
import { nodeVersionProblem } from '../../../src/version';

describe('parseDuration (kubectl --request-timeout forms)', () => {
  test.each([
    ['0', 0],
    ['30', 30_000],
    ['10s', 10_000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text, '--request-timeout')).toBe(ms);
  });

  test.each(['', 'soon', '10x', '1h 2m', '-5s'])('rejects %p naming the flag', (text) => {
    expect(() => parseDuration(text, '--request-timeout')).toThrow(/invalid --request-timeout/);
  });
});

describe('nodeVersionProblem', () => {
  test('accepts 22.19 and later', () => {
    expect(nodeVersionProblem('22.19.0')).toBeUndefined();
    expect(nodeVersionProblem('24.21.0')).toBeUndefined();
  });
  test('refuses older Node with the fix in one line', () => {
    const p = nodeVersionProblem('20.20.2');
    expect(p).toMatch(/needs Node.js >= 22.19 \(this is 20.20.2\)/);
    expect(p).toMatch(/krew/);
    expect(p).not.toMatch(/\n/);
  });
});
