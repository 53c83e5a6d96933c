import { decodeOptions, DEFAULT_TOKEN_PATH, type DecodeFlags } from '../../../../src/commands/decode/options';
import { UsageError } from '../../../../src/errors';

describe('decodeOptions: exactly one token source', () => {
  it.each<[string, DecodeFlags, unknown]>([
    ['a token argument', { token: 'abc' }, { kind: 'argument', token: 'abc' }],
    ['- for stdin', { token: '-' }, { kind: 'stdin' }],
    ['-f FILE', { filename: 't.jwt' }, { kind: 'file', path: 't.jwt' }],
    ['-f - for stdin', { filename: '-' }, { kind: 'stdin' }],
    ['--pod with the default path and container', { pod: 'web' }, { kind: 'pod', pod: 'web', container: undefined, path: DEFAULT_TOKEN_PATH }],
    ['--pod -c --path', { pod: 'web', container: 'app', path: '/t' }, { kind: 'pod', pod: 'web', container: 'app', path: '/t' }],
    ['--secret', { secret: 'ci-token' }, { kind: 'secret', name: 'ci-token' }],
  ])('%s', (_n, flags, source) => {
    expect(decodeOptions(flags).source).toEqual(source);
  });

  it.each<[string, DecodeFlags, RegExp]>([
    ['nothing', {}, /^no token given: pass one of TOKEN, -f FILE, - \(stdin\), --pod NAME or --secret NAME$/],
    ['a token and --pod', { token: 'x', pod: 'web' }, /^give exactly one token source, not TOKEN and --pod$/],
    ['-f and --secret and --pod', { filename: 'f', pod: 'p', secret: 's' }, /not -f and --pod and --secret/],
    ['- and -f -', { token: '-', filename: '-' }, /not - \(stdin\) and -f -/],
    ['-c without --pod', { token: 'x', container: 'app' }, /-c\/--container is only for --pod/],
    ['--path without --pod', { secret: 's', path: '/t' }, /--path is only for --pod/],
    ['an empty --pod', { pod: '' }, /--pod needs a pod name/],
    ['an empty -f', { filename: '' }, /-f\/--filename needs a file name/],
    ['an empty --jwks', { token: 'x', jwks: '' }, /--jwks needs a file name/],
    ['an empty --audience', { token: 'x', audience: ['a', ''] }, /--audience must not be an empty string/],
    ['an empty --issuer', { token: 'x', issuer: [''] }, /--issuer must not be an empty string/],
  ])('refuses %s', (_n, flags, message) => {
    let err: unknown;
    try {
      decodeOptions(flags);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('decodeOptions: keys and expectations', () => {
  it.each<[string, DecodeFlags, unknown]>([
    ['no check by default', { token: 'x' }, null],
    ['--verify: the cluster\'s keys', { token: 'x', verify: true }, { kind: 'cluster' }],
    ['--jwks FILE (implies checking)', { token: 'x', jwks: 'k.json' }, { kind: 'file', path: 'k.json' }],
    ['--jwks wins over --verify', { token: 'x', jwks: 'k.json', verify: true }, { kind: 'file', path: 'k.json' }],
  ])('%s', (_n, flags, keys) => {
    expect(decodeOptions(flags).keys).toEqual(keys);
  });

  it('repeatable --audience and --issuer, --show-token', () => {
    expect(decodeOptions({ token: 'x', audience: ['a', 'b'], issuer: ['i'], showToken: true })).toMatchObject({
      audiences: ['a', 'b'],
      issuers: ['i'],
      showToken: true,
    });
    expect(decodeOptions({ token: 'x' })).toMatchObject({ audiences: [], issuers: [], showToken: false });
  });
});
