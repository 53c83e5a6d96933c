import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEnvelope, decodeKubernetesProtobuf, encodeKubernetesProtobuf, isProtobufContentType, ProtobufDecodeError } from './envelope';
import { protoRoot } from './schema';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));

describe('bodies sent by the real kubectl 1.32', () => {
  const cases: Array<{ file: string; expected: Record<string, unknown> }> = [
    {
      file: 'token-request-audience-duration.bin',
      expected: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['x'], expirationSeconds: 600 } },
    },
    {
      file: 'token-request-bound-pod.bin',
      expected: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u1' } } },
    },
    { file: 'self-subject-review.bin', expected: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    { file: 'serviceaccount.bin', expected: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'foo' } } },
    { file: 'configmap.bin', expected: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } } },
    { file: 'secret.bin', expected: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: Buffer.from('b').toString('base64') } } },
    {
      file: 'role.bin',
      expected: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'ns1' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] },
    },
    {
      file: 'rolebinding.bin',
      expected: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'rb' },
        subjects: [{ kind: 'ServiceAccount', name: 'foo', namespace: 'default' }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
      },
    },
    {
      file: 'clusterrolebinding.bin',
      expected: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'crb' },
        subjects: [{ kind: 'ServiceAccount', name: 'foo', namespace: 'default' }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      },
    },
    {
      file: 'ssar-get-pods.bin',
      expected: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { namespace: 'ns1', verb: 'get', resource: 'pods' } },
        status: { allowed: false, denied: false },
      },
    },
    {
      file: 'ssar-create-token-subresource.bin',
      expected: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { namespace: 'ns1', verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'token' } },
        status: { allowed: false, denied: false },
      },
    },
  ];
  it.each(cases)('$file', ({ file, expected }) => {
    expect(decodeKubernetesProtobuf(fixture(file))).toEqual(expected);
  });

  it('re-encodes what it decodes', () => {
    for (const { file } of cases) {
      const obj = decodeKubernetesProtobuf(fixture(file));
      expect(decodeKubernetesProtobuf(encodeKubernetesProtobuf(obj))).toEqual(obj);
    }
  });
});

describe('messages built with protobufjs from the generated.proto numbers', () => {
  function envelope(apiVersion: string, kind: string, messageName: string, value: Record<string, unknown>): Buffer {
    const root = protoRoot();
    const type = root.lookupType(`k8s.${messageName}`);
    const raw = type.encode(type.fromObject(value)).finish();
    const unknown = root.lookupType('k8s.Unknown');
    return Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from(unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw })).finish())]);
  }

  it('decodes ObjectMeta fully (labels, annotations, owner refs, times)', () => {
    const body = envelope('v1', 'ServiceAccount', 'ServiceAccount', {
      metadata: {
        name: 'app',
        namespace: 'ns',
        uid: 'u',
        generation: 0,
        creationTimestamp: { seconds: 1795881600 },
        labels: { a: '1' },
        annotations: { note: 'x' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'pu', controller: true }],
      },
      secrets: [{ name: 'app-token' }],
      automountServiceAccountToken: false,
    });
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'app',
        namespace: 'ns',
        uid: 'u',
        creationTimestamp: '2026-11-28T16:00:00Z',
        labels: { a: '1' },
        annotations: { note: 'x' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'pu', controller: true }],
      },
      secrets: [{ name: 'app-token' }],
      automountServiceAccountToken: false,
    });
  });

  it('decodes a TokenReview with UserInfo extra as lists', () => {
    const body = envelope('authentication.k8s.io/v1', 'TokenReview', 'TokenReview', {
      spec: { token: 'abc', audiences: ['vault'] },
      status: { authenticated: true, user: { username: 'u', groups: ['g'], extra: { k: { items: ['v'] } } } },
    });
    expect(decodeKubernetesProtobuf(body)).toMatchObject({
      spec: { token: 'abc', audiences: ['vault'] },
      status: { authenticated: true, user: { username: 'u', groups: ['g'], extra: { k: ['v'] } } },
    });
  });

  it('keeps an explicit expirationSeconds of 0 (upstream then refuses it) and a big int64', () => {
    const zero = envelope('authentication.k8s.io/v1', 'TokenRequest', 'TokenRequest', { spec: { expirationSeconds: 0 } });
    expect(decodeKubernetesProtobuf(zero)).toEqual({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 0 } });
    const big = envelope('authentication.k8s.io/v1', 'TokenRequest', 'TokenRequest', { spec: { expirationSeconds: 2 ** 32 + 1 } });
    expect((decodeKubernetesProtobuf(big).spec as { expirationSeconds: number }).expirationSeconds).toBe(2 ** 32 + 1);
  });

  it('refuses bodies without the magic and kinds it does not know', () => {
    expect(() => decodeEnvelope(Buffer.from('{"kind":"x"}'))).toThrow(ProtobufDecodeError);
    const body = envelope('apps/v1', 'Deployment', 'Namespace', {});
    expect(() => decodeKubernetesProtobuf(body)).toThrow('no protobuf decoder for apps/v1, Kind=Deployment');
    expect(isProtobufContentType('application/vnd.kubernetes.protobuf; charset=x')).toBe(true);
    expect(isProtobufContentType('application/json')).toBe(false);
  });
});
