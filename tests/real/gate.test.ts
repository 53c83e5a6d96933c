/** When the real tier runs, and the one-line reason when it cannot. */
import { realTierUnavailable } from './gate';

test('off unless SATOKEN_REAL=1, saying how to turn it on', () => {
  expect(realTierUnavailable({ PATH: process.env.PATH })).toMatch(/^SATOKEN_REAL=1 is not set \(/);
  expect(realTierUnavailable({ PATH: process.env.PATH, SATOKEN_REAL: 'yes' })).toMatch(/^SATOKEN_REAL=1 is not set/);
});

test('asked for, it names the missing prerequisite: root first, then Go', () => {
  const reason = realTierUnavailable({ SATOKEN_REAL: '1', PATH: '/nonexistent' });
  if (process.getuid?.() === 0) expect(reason).toBe('go is not on PATH (the cluster is built with Go from the module proxy)');
  else expect(reason).toBe('it needs root (the kubelet and runc mount, and make cgroups and namespaces)');
});
