/** When the real tier runs, and the one-line reason when it cannot. */
import { realTierUnavailable } from './gate';

const everything = () => true;

test('SATOKEN_REAL=0 turns it off, saying so', () => {
  expect(realTierUnavailable({ PATH: process.env.PATH, SATOKEN_REAL: '0' }, everything)).toBe('SATOKEN_REAL=0 turns it off');
});

test('otherwise it names the missing prerequisite: root first, then Go, then the host packages', () => {
  const noGo = realTierUnavailable({ PATH: '/nonexistent' }, everything);
  if (process.getuid?.() !== 0) {
    expect(noGo).toBe('it needs root (the kubelet and runc mount, and make cgroups and namespaces)');
    return;
  }
  expect(noGo).toBe('go is not on PATH (the cluster is built with Go from the module proxy)');
  let haveGo: boolean;
  try {
    require('node:child_process').execFileSync('go', ['version'], { stdio: 'ignore' });
    haveGo = true;
  } catch {
    haveGo = false;
  }
  if (!haveGo) return;
  expect(realTierUnavailable({ PATH: process.env.PATH }, (p) => p !== '/bin/busybox')).toBe(
    'it needs the Debian packages busybox-static (apt-get install busybox-static; .ci/run installs them)',
  );
  expect(realTierUnavailable({ PATH: process.env.PATH }, everything)).toBeUndefined();
});
