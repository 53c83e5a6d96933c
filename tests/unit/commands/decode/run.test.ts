import type { V1Pod } from '@kubernetes/client-node';
import { decodeOptions, DEFAULT_TOKEN_PATH, type DecodeFlags } from '../../../../src/commands/decode/options';
import { run } from '../../../../src/commands/decode/run';
import { OperationError, UsageError } from '../../../../src/errors';
import { ApiError } from '../../../../src/kube/errors';
import { KEYS, TEST_ISSUER, TEST_NOW, jwksOf, makeBoundToken, makeLegacyToken, newKey, signatureOf } from '../../../support/tokens';
import { fakeDeps, type FakeCluster } from './fakes';

const fresh = makeBoundToken();
const expired = makeBoundToken({ issuedAt: new Date(TEST_NOW.getTime() - 4 * 3600_000) });
const pod = (name: string, containers: string[], annotations?: Record<string, string>): V1Pod => ({
  metadata: { name, namespace: 'shop', annotations },
  spec: { containers: containers.map((c) => ({ name: c })) },
});

async function decode(flags: DecodeFlags, setup: Parameters<typeof fakeDeps>[0] = {}) {
  const fake = fakeDeps(setup);
  const outcome = await run(decodeOptions(flags), fake.deps);
  return { ...fake, outcome, result: outcome.result };
}

async function failure(flags: DecodeFlags, setup: Parameters<typeof fakeDeps>[0] = {}): Promise<Error> {
  const fake = fakeDeps(setup);
  try {
    await run(decodeOptions(flags), fake.deps);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected decode to fail');
}

describe('sources that need no cluster', () => {
  it('an argument: decoded, no cluster touched, exit 0 when nothing fails', async () => {
    const r = await decode({ token: fresh });
    expect(r.result.source).toBe('argument');
    expect(r.result.token.type).toBe('bound');
    expect(r.outcome.problem).toBe(false);
    expect(r.connects()).toBe(0);
  });

  it('a file with a trailing newline', async () => {
    const r = await decode({ filename: '/tmp/t.jwt' }, { files: { '/tmp/t.jwt': `${fresh}\n` } });
    expect(r.result.source).toBe('file /tmp/t.jwt');
    expect(r.result.token.serviceAccount?.name).toBe('app');
  });

  it('stdin with a Bearer prefix', async () => {
    const r = await decode({ token: '-' }, { stdin: `Bearer ${fresh}\n` });
    expect(r.result.source).toBe('stdin');
  });

  it('an expired token is a problem (exit 3), not an error', async () => {
    const r = await decode({ token: expired });
    expect(r.outcome.problem).toBe(true);
    expect(r.result.findings.map((f) => f.id)).toEqual(['token-expired']);
  });

  it('a legacy token is a warning only (exit 0)', async () => {
    const r = await decode({ token: makeLegacyToken() });
    expect(r.outcome.problem).toBe(false);
    expect(r.result.findings.map((f) => `${f.id}:${f.severity}`)).toEqual(['token-legacy:warning']);
  });

  it('--audience and --issuer feed the mismatch findings', async () => {
    const r = await decode({ token: fresh, audience: ['vault'], issuer: ['https://other'] });
    expect(r.result.findings.map((f) => f.id)).toEqual(['issuer-mismatch', 'audience-mismatch']);
    expect(r.outcome.problem).toBe(true);
  });

  it('no raw token or signature in the result unless --show-token', async () => {
    const r = await decode({ token: fresh });
    expect(JSON.stringify(r.result)).not.toContain(signatureOf(fresh));
    const shown = await decode({ token: fresh, showToken: true });
    expect(shown.result.rawToken).toBe(fresh);
  });
});

describe('malformed input: a UsageError (exit 2) naming the source and the problem', () => {
  it.each<[string, DecodeFlags, Parameters<typeof fakeDeps>[0], RegExp]>([
    ['two segments', { token: 'a.b' }, {}, /^cannot decode the token from argument \(a JWT has 3 dot-separated segments, header.payload.signature; this has 2\)$/],
    ['an empty file', { filename: 'e' }, { files: { e: '\n' } }, /^cannot decode the token from file e \(the input is empty: no token given\)$/],
    ['stdin with a JSON payload of the wrong type', { token: '-' }, { stdin: makeBoundToken({ claims: { exp: 'soon' } }) }, /from stdin \(the claim "exp" must be a number/],
  ])('%s', async (_n, flags, setup, message) => {
    const e = await failure(flags, setup);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toMatch(message);
  });

  it('a missing file is a usage error too', async () => {
    const e = await failure({ filename: '/nope' });
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('cannot read -f /nope (no such file)');
  });

  it('base64 of a token (a Secret value pasted as is) gets a hint', async () => {
    const e = (await failure({ token: Buffer.from(fresh).toString('base64') })) as UsageError;
    expect(e.hint).toContain('--secret NAME');
  });

  it('an argument that is not a token but names a file: the hint says -f', async () => {
    const e = (await failure({ token: 'sa.token.jwt' }, { files: { 'sa.token.jwt': fresh } })) as UsageError;
    expect(e).toBeInstanceOf(UsageError);
    expect(e.hint).toBe('sa.token.jwt is a file: to read the token from it, use -f sa.token.jwt');
    const none = (await failure({ token: 'sa.token.jwt' })) as UsageError;
    expect(none.hint).toBeUndefined();
  });

  it('malformed input fails before any cluster call for --verify', async () => {
    const fake = fakeDeps();
    await expect(run(decodeOptions({ token: 'x', verify: true }), fake.deps)).rejects.toBeInstanceOf(UsageError);
    expect(fake.connects()).toBe(0);
  });
});

describe('--pod: the mounted token, read with cat (between two stats) over exec', () => {
  const files = { [`shop/web/app:${DEFAULT_TOKEN_PATH}`]: fresh, 'shop/web/vault:/var/run/secrets/tokens/vault': expired };
  const cluster: FakeCluster = { namespace: 'shop', pods: { 'shop/web': pod('web', ['app', 'vault']) }, files };

  it('defaults to the first container, says so as kubectl does, reads the default path', async () => {
    const r = await decode({ pod: 'web' }, { cluster });
    expect(r.calls).toEqual(['readPod shop/web', `exec shop/web app read ${DEFAULT_TOKEN_PATH}`]);
    expect(r.outcome.notices).toEqual([{ level: 'info', message: 'Defaulted container "app" out of: app, vault' }]);
    expect(r.result.source).toBe(`pod shop/web, container app, ${DEFAULT_TOKEN_PATH}`);
    expect(r.result.token.boundObject?.kind).toBe('Pod');
  });

  it('honours the default-container annotation', async () => {
    const annotated = { ...cluster, pods: { 'shop/web': pod('web', ['app', 'vault'], { 'kubectl.kubernetes.io/default-container': 'vault' }) } };
    const r = await decode({ pod: 'web', path: '/var/run/secrets/tokens/vault' }, { cluster: annotated });
    expect(r.calls[1]).toBe('exec shop/web vault read /var/run/secrets/tokens/vault');
    expect(r.outcome.notices).toEqual([]);
    expect(r.outcome.problem).toBe(true);
  });

  it('-c and --path: no pod read, one exec', async () => {
    const r = await decode({ pod: 'web', container: 'vault', path: '/var/run/secrets/tokens/vault' }, { cluster });
    expect(r.calls).toEqual(['exec shop/web vault read /var/run/secrets/tokens/vault']);
  });

  it('no token file: exit 1 with cat\'s words and an automount hint', async () => {
    const e = (await failure({ pod: 'web', container: 'app', path: '/nope' }, { cluster })) as OperationError;
    expect(e).toBeInstanceOf(OperationError);
    expect(e.message).toBe("cannot read /nope in pod shop/web, container app (cat: can't open '/nope': No such file or directory)");
    expect(e.hint).toContain('automountServiceAccountToken');
  });

  it('an image without cat', async () => {
    const e = (await failure({ pod: 'web', container: 'app' }, { cluster: { ...cluster, execError: new Error('exec: "cat": executable file not found in $PATH') } })) as OperationError;
    expect(e.message).toBe('cannot run cat in pod shop/web, container app (the image has no cat)');
  });

  it('a missing pod: the API error as is (exit 1)', async () => {
    const e = await failure({ pod: 'gone' }, { cluster });
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(404);
  });
});

describe('--secret: a legacy Secret\'s data.token', () => {
  const legacy = makeLegacyToken({ namespace: 'ci' });
  const secret = (data: Record<string, string> | undefined, type = 'kubernetes.io/service-account-token') => ({
    metadata: { name: 'deployer-token', namespace: 'ci' },
    type,
    data,
  });

  it('base64-decodes data.token', async () => {
    const r = await decode({ secret: 'deployer-token' }, { cluster: { namespace: 'ci', secrets: { 'ci/deployer-token': secret({ token: Buffer.from(legacy).toString('base64') }) } } });
    expect(r.calls).toEqual(['readSecret ci/deployer-token']);
    expect(r.result.source).toBe('secret ci/deployer-token');
    expect(r.result.token.type).toBe('legacy');
  });

  it.each([
    ['not yet filled by the token controller', secret({}), /the token controller fills it/],
    ['of another type', secret({ password: 'eA==' }, 'Opaque'), /this one is Opaque/],
  ])('a Secret without data.token, %s', async (_n, s, hint) => {
    const e = (await failure({ secret: 'deployer-token' }, { cluster: { namespace: 'ci', secrets: { 'ci/deployer-token': s } } })) as OperationError;
    expect(e).toBeInstanceOf(OperationError);
    expect(e.message).toBe('secret ci/deployer-token has no data.token');
    expect(e.hint).toMatch(hint);
  });
});

describe('--verify and --jwks', () => {
  const discovery = { issuer: TEST_ISSUER, jwks_uri: 'https://10.0.0.1:6443/openid/v1/jwks', id_token_signing_alg_values_supported: ['RS256'] };
  const raw = { '/.well-known/openid-configuration': discovery, '/openid/v1/jwks': jwksOf(KEYS.rsa) };

  it('--verify: discovery, then the jwks_uri path; verified; the cluster\'s issuer expected', async () => {
    const r = await decode({ token: fresh, verify: true }, { cluster: { raw } });
    expect(r.calls).toEqual(['getRaw /.well-known/openid-configuration', 'getRaw /openid/v1/jwks']);
    expect(r.result.verification).toEqual({
      status: 'verified',
      reason: `signature matches key "${KEYS.rsa.kid}"; keys from the cluster (https://127.0.0.1:6443)`,
      kid: KEYS.rsa.kid,
    });
    expect(r.result.findings).toEqual([]);
    const foreign = await decode({ token: makeBoundToken({ issuer: 'https://old.example' }), verify: true }, { cluster: { raw } });
    expect(foreign.result.findings.map((f) => f.id)).toEqual(['issuer-mismatch']);
  });

  it('discovery answered as JSON text works as well', async () => {
    const text = { '/.well-known/openid-configuration': JSON.stringify(discovery), '/openid/v1/jwks': JSON.stringify(jwksOf(KEYS.rsa)) };
    const r = await decode({ token: fresh, verify: true }, { cluster: { raw: text } });
    expect(r.result.verification.status).toBe('verified');
  });

  it('a token from another cluster\'s key: invalid, an error finding, exit 3', async () => {
    const r = await decode({ token: makeBoundToken({ key: newKey('ec') }), verify: true }, { cluster: { raw } });
    expect(r.result.verification.status).toBe('invalid');
    expect(r.result.verification.reason).toMatch(/^unknown kid ".+": the issuer publishes 1 other key/);
    expect(r.result.findings[0].id).toBe('signature-invalid');
    expect(r.outcome.problem).toBe(true);
  });

  it('jwks_uri on an external host that the API server does not serve: falls back to /openid/v1/jwks', async () => {
    const external = { ...raw, '/.well-known/openid-configuration': { ...discovery, jwks_uri: 'https://s3.example/bucket/keys.json' } };
    const r = await decode({ token: fresh, verify: true }, { cluster: { raw: external } });
    expect(r.calls).toEqual(['getRaw /.well-known/openid-configuration', 'getRaw /bucket/keys.json', 'getRaw /openid/v1/jwks']);
    expect(r.result.verification.status).toBe('verified');
  });

  it('forbidden discovery: exit 1 with the RBAC hint', async () => {
    const forbidden = new ApiError(403, 'Forbidden', 'forbidden: User "x" cannot get path "/.well-known/openid-configuration"', 'get /.well-known/openid-configuration');
    const e = (await failure({ token: fresh, verify: true }, { cluster: { raw: { '/.well-known/openid-configuration': forbidden } } })) as OperationError;
    expect(e).toBeInstanceOf(OperationError);
    expect(e.message).toMatch(/^cannot read the cluster's issuer keys \(forbidden: /);
    expect(e.hint).toContain('system:service-account-issuer-discovery');
  });

  it('--jwks FILE: no cluster; --issuer still judged', async () => {
    const r = await decode({ token: fresh, jwks: 'k.json', issuer: [TEST_ISSUER] }, { files: { 'k.json': JSON.stringify(jwksOf(KEYS.ec, KEYS.rsa)) } });
    expect(r.connects()).toBe(0);
    expect(r.result.verification.status).toBe('verified');
    expect(r.result.verification.reason).toContain('; keys from --jwks k.json');
  });

  it.each([
    ['not JSON', 'nope', /cannot use --jwks k.json \(not valid JSON\)/],
    ['not a JWKS', '{"kty":"RSA"}', /cannot use --jwks k.json \(the JWKS has no "keys" array\)/],
  ])('--jwks FILE %s: a usage error', async (_n, content, message) => {
    const e = await failure({ token: fresh, jwks: 'k.json' }, { files: { 'k.json': content } });
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toMatch(message);
  });
});
