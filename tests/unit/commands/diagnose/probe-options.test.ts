import { parseProbe, parseStatTime, probeCommand } from '../../../../src/commands/diagnose/probe';
import { diagnoseOptions, parseCan } from '../../../../src/commands/diagnose/options';
import { UsageError } from '../../../../src/errors';

const DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('the exec probe', () => {
  test('one shell command: stat before cat (our read moves the atime)', () => {
    const [sh, c, script] = probeCommand(DIR);
    expect([sh, c]).toEqual(['sh', '-c']);
    expect(script.indexOf('stat -L')).toBeLessThan(script.indexOf('cat '));
  });

  test('parses GNU stat times with nanoseconds, and the token after the marker', () => {
    const out = [
      `${DIR}/token|1189|2026-11-28 16:04:02.021000000 +0000|2026-11-28 16:04:01.921279653 +0000`,
      `${DIR}/ca.crt|1099|2026-11-28 15:00:00.000000000 +0000|2026-11-28 15:00:00.000000000 +0000`,
      '--satoken-token--',
      'eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
    ].join('\n');
    const m = parseProbe(DIR, out);
    expect(m.files.token).toEqual({ size: 1189, atime: new Date('2026-11-28T16:04:02.021Z'), mtime: new Date('2026-11-28T16:04:01.921Z') });
    // stat printed nothing for namespace: it is missing.
    expect(m.files.namespace).toBeNull();
    expect(m.raw).toBe('eyJhbGciOiJSUzI1NiJ9.e30.c2ln');
  });

  test('busybox times without a fraction and with an offset', () => {
    expect(parseStatTime('2026-11-28 17:04:02 +0100')?.toISOString()).toBe('2026-11-28T16:04:02.000Z');
    expect(parseStatTime('garbage')).toBeUndefined();
  });

  test('no stat binary: file presence unknown, not missing', () => {
    const m = parseProbe(DIR, 'sh: 1: stat: not found\n--satoken-token--\nabc.def.ghi\n');
    expect(m.files['ca.crt']).toBeUndefined();
    expect(m.raw).toBe('abc.def.ghi');
  });
});

describe('options', () => {
  test('modes', () => {
    expect(diagnoseOptions({ pod: 'web' }).mode).toBe('pod');
    expect(diagnoseOptions({ self: true, env: { HOSTNAME: 'web-1' } })).toMatchObject({ mode: 'self', selfPodName: 'web-1', selfDir: DIR });
    expect(diagnoseOptions({ allNamespaces: true }).mode).toBe('scan');
    expect(diagnoseOptions({ pod: 'web', exec: false }).exec).toBe(false);
    expect(diagnoseOptions({ pod: 'web', paths: ['/a/token/', '/a/token', '/b'] }).paths).toEqual(['/a/token', '/b']);
  });

  test.each([
    [{ self: true, pod: 'web' }, /--self diagnoses the pod it runs in/],
    [{ pod: 'web', allNamespaces: true }, /cannot be combined with -A/],
    [{ pod: 'web', selector: 'a=b' }, /cannot be combined with -l/],
    [{ pod: 'web', deep: true }, /--deep applies to scans only/],
    [{ container: 'app' }, /-c\/--container needs a POD/],
    [{ allNamespaces: true, namespace: 'x' }, /cannot be combined/],
    [{ paths: ['/var/run/secrets/vault/token'] }, /--path needs a POD \(or --self\)/],
    [{ pod: 'web', paths: ['vault/token'] }, /--path "vault\/token" is not an absolute path/],
  ])('%j is a usage error', (flags, message) => {
    expect(() => diagnoseOptions(flags)).toThrow(UsageError);
    expect(() => diagnoseOptions(flags)).toThrow(message);
  });

  test('--can VERB RESOURCE[.GROUP][/SUBRESOURCE]', () => {
    expect(parseCan(['list', 'pods', 'create', 'pods/exec', 'patch', 'deployments.apps/scale'])).toEqual([
      { verb: 'list', resource: 'pods' },
      { verb: 'create', resource: 'pods', subresource: 'exec' },
      { verb: 'patch', resource: 'deployments', group: 'apps', subresource: 'scale' },
    ]);
    expect(() => parseCan(['list'])).toThrow(/two words/);
    expect(() => parseCan(['LIST!', 'pods'])).toThrow(/is not VERB RESOURCE/);
  });
});
