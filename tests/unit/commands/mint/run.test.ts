import { mintCommand } from '../../../../src/cli/commands/mint';
import type { CliContext } from '../../../../src/cli/command';
import { mintOptions, type MintFlags } from '../../../../src/commands/mint/options';
import { runMint } from '../../../../src/commands/mint/run';
import type { TokenRequestResult, TokenRequestSpec } from '../../../../src/kube/types';
import { apiError, boundToken, fakeDeps, memoryIo, NOW, NOW_S, unauthorized, type Call, type FakeCluster } from '../test-auth/fakes';

/** A TokenRequest answer for `spec`, expiring after `granted` seconds (what the server decided). */
function answer(token: string, granted = 3600, warnings: string[] = []): TokenRequestResult {
  return {
    tokenRequest: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: 'app', namespace: 'shop', creationTimestamp: NOW },
      spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: granted },
      status: { token, expirationTimestamp: new Date(NOW.getTime() + granted * 1000) },
    },
    warnings,
  };
}

function cluster(token: string, extra: Partial<FakeCluster> = {}, granted?: number, warnings?: string[]): FakeCluster {
  return { caller: { createToken: () => answer(token, granted, warnings) }, asToken: () => ({ createSelfSubjectReview: () => ({}) }), ...extra };
}

async function mint(flags: MintFlags, c: FakeCluster, io = memoryIo()) {
  const calls: Call[] = [];
  const run = await runMint(mintOptions({ serviceAccount: 'app', ...flags }), fakeDeps(c, calls, io));
  return { run, calls };
}

describe('runMint', () => {
  test('sends kubectl\'s TokenRequest: audiences, expirationSeconds, boundObjectRef — in the connection\'s namespace', async () => {
    const token = boundToken();
    const { calls } = await mint(
      { audience: ['a', 'b'], duration: '1h', boundObjectKind: 'Pod', boundObjectName: 'web-0', boundObjectUid: 'pod-uid' },
      cluster(token),
    );
    const create = calls.find((c) => c.method === 'createToken')!;
    expect(create.args).toEqual<[string, string, TokenRequestSpec]>([
      'shop',
      'app',
      { audiences: ['a', 'b'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: 'pod-uid' } },
    ]);
  });

  test('no --duration and no --audience: the spec is empty (server defaults), and no audience probe', async () => {
    const { calls } = await mint({}, cluster(boundToken()));
    expect(calls.map((c) => [c.as, c.method])).toEqual([['caller', 'createToken']]);
    expect(calls[0].args[2]).toEqual({});
  });

  test('the TokenRequest object in wire form: RFC 3339 times without milliseconds', async () => {
    const { run } = await mint({ output: 'json' }, cluster(boundToken()));
    expect(run.tokenRequest).toMatchObject({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: '2026-11-28T16:00:00Z' },
      status: { expirationTimestamp: '2026-11-28T17:00:00Z' },
    });
    expect(Object.keys(run.tokenRequest).slice(0, 2)).toEqual(['kind', 'apiVersion']);
  });

  test('a Warning header is passed on; an unannounced shorter expiry is told', async () => {
    const warned = await mint({ duration: '48h' }, cluster(boundToken({ exp: NOW_S + 86400 }), {}, 86400, ['requested expiration of 172800 seconds shortened to 86400 seconds']));
    expect(warned.run.notices.map((n) => n.message)).toEqual(['the API server says: requested expiration of 172800 seconds shortened to 86400 seconds']);

    const silent = await mint({ duration: '48h' }, cluster(boundToken({ exp: NOW_S + 86400 }), {}, 86400));
    expect(silent.run.notices).toHaveLength(1);
    expect(silent.run.notices[0].message).toMatch(/asked for 172800s but the token expires after 86400s/);
  });

  test('extended expiration (warnafter before exp) is told', async () => {
    const token = boundToken({ exp: NOW_S + 365 * 86400 }, { warnafter: NOW_S + 3607, pod: { name: 'web-0', uid: 'p' } });
    const { run } = await mint({ duration: '3607s', boundObjectKind: 'Pod', boundObjectName: 'web-0' }, cluster(token, {}, 3607));
    expect(run.notices.map((n) => n.message).join('\n')).toMatch(/extended expiration: it stays valid until 2027-11-28T16:00:00Z, but after 2026-11-28T17:00:07Z \(warnafter\)/);
  });

  test('an audience the API server does not accept: the token itself is refused by SelfSubjectReview, and that is said plainly', async () => {
    const token = boundToken({ aud: ['vault'] });
    const { run, calls } = await mint({ audience: ['vault'] }, cluster(token, { asToken: () => ({ createSelfSubjectReview: () => { throw unauthorized(); } }) }));
    expect(calls.map((c) => [c.as, c.method])).toEqual([['caller', 'createToken'], ['token', 'createSelfSubjectReview']]);
    expect(run.notices.map((n) => n.message)).toEqual([expect.stringMatching(/does not accept the audience "vault": this token cannot call the Kubernetes API/)]);
  });

  test('an --audience the API server accepts: nothing to say', async () => {
    const { run } = await mint({ audience: ['https://kubernetes.default.svc.cluster.local'] }, cluster(boundToken()));
    expect(run.notices).toEqual([]);
  });

  test('--decode: the TokenInspection of the new token, never the raw token', async () => {
    const { run } = await mint({ decode: true }, cluster(boundToken()));
    expect(run.inspection).toMatchObject({ kind: 'TokenInspection', token: { type: 'bound', namespace: 'shop', serviceAccount: { name: 'app' } } });
    expect(run.inspection).not.toHaveProperty('rawToken');
  });

  test('--output-file: written with mode 0600; never over an existing file without --force; --force replaces it', async () => {
    const token = boundToken();
    const io = memoryIo();
    const first = await mint({ output: 'kubeconfig', outputFile: 'k' }, cluster(token), io);
    expect(first.run.writtenTo).toBe('k');
    expect(io.files.get('k')).toEqual({ data: expect.stringContaining('kind: Config'), mode: 0o600 });

    const calls: Call[] = [];
    await expect(runMint(mintOptions({ serviceAccount: 'app', outputFile: 'k' }), fakeDeps(cluster(token), calls, io))).rejects.toThrow(/k already exists/);
    expect(calls).toEqual([]); // refused before minting

    await mint({ outputFile: 'k', force: true }, cluster(token), io);
    expect(io.files.get('k')).toEqual({ data: token, mode: 0o600 });
    expect([...io.files.keys()]).toEqual(['k']);
  });

  test.each<[string, Error, RegExp, RegExp | undefined]>([
    ['ServiceAccount missing', apiError(404, 'NotFound', 'serviceaccounts "app" not found', { name: 'app', kind: 'serviceaccounts' }), /^failed to create token: serviceaccounts "app" not found$/, /^kubectl create serviceaccount app -n shop$/],
    ['no permission', apiError(403, 'Forbidden', 'serviceaccounts "app" is forbidden: User "dev" cannot create resource "serviceaccounts/token" in API group "" in the namespace "shop"'), /cannot create resource "serviceaccounts\/token"/, /"create" on "serviceaccounts\/token" in namespace shop/],
    ['bound pod runs as another ServiceAccount', apiError(400, 'BadRequest', 'cannot bind token for serviceaccount "app" to pod running with different serviceaccount name.'), /^failed to create token: cannot bind token for serviceaccount "app" to pod running with different serviceaccount name\.$/, /must be for the ServiceAccount that pod runs as/],
    ['uid mismatch', apiError(409, 'Conflict', 'Operation cannot be fulfilled on Pod "web-0": the UID in the bound object reference (x) does not match the UID in record. The object might have been deleted and then recreated'), /the UID in the bound object reference/, /is not the uid of Pod "web-0" \(was it recreated\?\)/],
  ])('%s → explained', async (_name, error, message, hint) => {
    const c: FakeCluster = { caller: { createToken: () => { throw error; } } };
    const flags: MintFlags = { boundObjectKind: 'Pod', boundObjectName: 'web-0', boundObjectUid: 'x' };
    const err = await runMint(mintOptions({ serviceAccount: 'app', ...(error.message.includes('serviceaccounts "app" not found') ? {} : flags) }), fakeDeps(c, [])).catch((e) => e);
    expect(err.message).toMatch(message);
    expect(err.exitCode).toBe(1);
    if (hint) expect(err.hint).toMatch(hint);
  });
});

describe('mint cli output', () => {
  function ctx(c: FakeCluster, format = 'table', stdoutIsTTY = false): CliContext {
    return { deps: fakeDeps(c, []), format, flags: { requestTimeoutMs: 0 }, sys: { stdoutIsTTY } as CliContext['sys'] };
  }
  const token = boundToken();

  test('bare token: a newline only on a terminal (kubectl)', async () => {
    expect((await mintCommand.run({ serviceaccount: 'app' }, ctx(cluster(token)))).raw).toBe(token);
    expect((await mintCommand.run({ serviceaccount: 'app' }, ctx(cluster(token), 'table', true))).raw).toBe(`${token}\n`);
  });

  test('-o json shows the token (its purpose); --decode renders the inspection in the -o format', async () => {
    const json = await mintCommand.run({ serviceaccount: 'app', output: 'json' }, ctx(cluster(token), 'json'));
    expect(json).toMatchObject({ showTokens: true, outcome: { result: { kind: 'TokenRequest' }, problem: false } });
    const decoded = await mintCommand.run({ serviceaccount: 'app', decode: true }, ctx(cluster(token)));
    expect(decoded).toMatchObject({ renderAs: 'table', outcome: { result: { kind: 'TokenInspection' } } });
    expect(decoded.showTokens).toBeFalsy();
  });

  test('-o kubeconfig prints the kubeconfig; with --output-file stdout gets nothing', async () => {
    const out = await mintCommand.run({ serviceaccount: 'app', output: 'kubeconfig' }, ctx(cluster(token), 'kubeconfig'));
    expect(out.raw).toMatch(/kind: Config/);
    const toFile = await mintCommand.run({ serviceaccount: 'app', output: 'kubeconfig', 'output-file': 'f' }, ctx(cluster(token), 'kubeconfig'));
    expect(toFile.raw).toBe('');
    expect(toFile.outcome.notices).toEqual([{ level: 'info', message: 'wrote a kubeconfig to f (mode 0600)' }]);
  });

  test('a repeated --audience arrives as an array, a single one as a string', async () => {
    const calls: Call[] = [];
    const c = { ...ctx(cluster(token)), deps: fakeDeps(cluster(token), calls) };
    await mintCommand.run({ serviceaccount: 'app', audience: 'vault' }, c);
    await mintCommand.run({ serviceaccount: 'app', audience: ['a', 'b'] }, c);
    expect(calls.filter((x) => x.method === 'createToken').map((x) => (x.args[2] as TokenRequestSpec).audiences)).toEqual([['vault'], ['a', 'b']]);
  });
});
