import { parseCan, testAuthOptions } from '../../../../src/commands/test-auth/options';
import { UsageError } from '../../../../src/errors';

describe('test-auth options', () => {
  test.each([
    [{ token: 'abc' }, { kind: 'argument', token: 'abc' }],
    [{ token: '-' }, { kind: 'stdin' }],
    [{ filename: 't.jwt' }, { kind: 'file', path: 't.jwt' }],
    [{ pod: 'web-0', container: 'app' }, { kind: 'pod', pod: 'web-0', container: 'app', path: '/var/run/secrets/kubernetes.io/serviceaccount/token' }],
    [{ secret: 'app-token' }, { kind: 'secret', name: 'app-token' }],
    [{ mint: 'app', audience: ['vault'] }, { kind: 'mint', serviceAccount: 'app', audiences: ['vault'] }],
  ])('source %p', (flags, source) => {
    expect(testAuthOptions(flags).source).toEqual(source);
  });

  test.each<[object, RegExp]>([
    [{}, /no token given/],
    [{ token: 'a', pod: 'p' }, /give exactly one token source/],
    [{ mint: 'app', filename: 'f' }, /give exactly one token source, not --mint and -f/],
    [{ mint: '' }, /--mint needs a ServiceAccount name/],
    [{ token: 'a', container: 'c' }, /-c\/--container is only for --pod/],
    [{ token: 'a', audience: [''] }, /--audience must not be an empty string/],
    [{ token: 'a', can: ['list'] }, /--can takes two words/],
    [{ token: 'a', can: ['list', 'pods/'] }, /expected VERB RESOURCE/],
  ])('%p → usage error', (flags, message) => {
    expect(() => testAuthOptions(flags)).toThrow(UsageError);
    expect(() => testAuthOptions(flags)).toThrow(message);
  });

  test('--can pairs: resource, group, subresource', () => {
    expect(parseCan(['list', 'pods', 'get', 'pods/log', 'patch', 'deployments.apps/scale', 'create', 'tokenreviews.authentication.k8s.io'])).toEqual([
      { verb: 'list', resource: 'pods' },
      { verb: 'get', resource: 'pods', subresource: 'log' },
      { verb: 'patch', resource: 'deployments', group: 'apps', subresource: 'scale' },
      { verb: 'create', resource: 'tokenreviews', group: 'authentication.k8s.io' },
    ]);
  });
});
