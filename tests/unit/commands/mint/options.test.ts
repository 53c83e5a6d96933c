import { mintOptions, type MintFlags } from '../../../../src/commands/mint/options';
import { parseGoDuration } from '../../../../src/commands/mint/duration';
import { UsageError } from '../../../../src/errors';

const sa = { serviceAccount: 'app' };

describe('mint options: checked before any request, with kubectl\'s messages', () => {
  test.each<[string, MintFlags, RegExp]>([
    ['no ServiceAccount', {}, /^service account name is required$/],
    ['negative duration', { ...sa, duration: '-1h' }, /^--duration must be greater than or equal to 0$/],
    ['sub-second duration', { ...sa, duration: '600.5s' }, /^--duration cannot be expressed in units less than seconds$/],
    ['duration without unit', { ...sa, duration: '3600' }, /^invalid argument "3600" for "--duration" flag: time: missing unit in duration "3600"$/],
    ['duration with an unknown unit', { ...sa, duration: '1d' }, /unknown unit "d" in duration "1d"/],
    ['duration under 10 minutes', { ...sa, duration: '9m59s' }, /may not specify a duration less than 10 minutes/],
    ['duration over 2^32 s', { ...sa, duration: `${2 ** 32 + 1}s` }, /may not specify a duration larger than 2\^32 seconds/],
    ['empty audience', { ...sa, audience: ['vault', ''] }, /^--audience must not be an empty string$/],
    ['name without kind', { ...sa, boundObjectName: 'web' }, /^--bound-object-name can only be set if --bound-object-kind is provided$/],
    ['uid without kind', { ...sa, boundObjectUid: 'u' }, /^--bound-object-uid can only be set if --bound-object-kind is provided$/],
    ['unknown kind', { ...sa, boundObjectKind: 'Deployment', boundObjectName: 'x' }, /^supported --bound-object-kind values are Node, Pod, Secret$/],
    ['kind without name', { ...sa, boundObjectKind: 'Pod' }, /^--bound-object-name is required if --bound-object-kind is provided$/],
    ['-o table without --decode', { ...sa, output: 'table' }, /-o table needs --decode/],
    ['--decode with -o kubeconfig', { ...sa, decode: true, output: 'kubeconfig' }, /--decode cannot be combined with -o kubeconfig/],
    ['--output-file with -o json', { ...sa, output: 'json', outputFile: 'x' }, /--output-file writes the token or the kubeconfig/],
    ['--force without --output-file', { ...sa, force: true }, /--force can only be set with --output-file/],
  ])('%s → usage error', (_name, flags, message) => {
    let err: unknown;
    try {
      mintOptions(flags);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  test.each<[string, number | undefined]>([
    ['10m', 600],
    ['1h', 3600],
    ['3600s', 3600],
    ['24h', 86400],
    ['1h30m', 5400],
    ['0', undefined],
    ['0s', undefined],
    [`${2 ** 32}s`, 2 ** 32],
  ])('--duration %s → expirationSeconds %p', (duration, seconds) => {
    expect(mintOptions({ ...sa, duration }).expirationSeconds).toBe(seconds);
  });

  test('a full request: audiences, bound object with uid, output form', () => {
    expect(
      mintOptions({
        ...sa,
        audience: ['vault', 'https://example.com'],
        boundObjectKind: 'Secret',
        boundObjectName: 's',
        boundObjectUid: '0d4691ed',
        output: 'kubeconfig',
        outputFile: 'k',
        force: true,
      }),
    ).toEqual({
      serviceAccount: 'app',
      audiences: ['vault', 'https://example.com'],
      boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's', uid: '0d4691ed' },
      output: 'kubeconfig',
      outputFile: 'k',
      force: true,
    });
  });

  test('default output is the bare token; --decode wins over -o json', () => {
    expect(mintOptions(sa).output).toBe('token');
    expect(mintOptions({ ...sa, decode: true, output: 'json' }).output).toBe('decode');
  });
});

describe('parseGoDuration (time.ParseDuration)', () => {
  test.each<[string, number]>([
    ['1.5h', 5400e9],
    ['300ms', 300e6],
    ['1h0m0s', 3600e9],
    ['-2m', -120e9],
  ])('%s → %d ns', (text, ns) => expect(parseGoDuration(text)).toBe(ns));
  test.each(['', 'h', '1h 2m', '.s'])('refuses %p', (text) => expect(() => parseGoDuration(text)).toThrow(/time: /));
});
