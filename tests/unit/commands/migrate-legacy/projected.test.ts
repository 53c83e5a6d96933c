import { projectionPatch, projectedTokenVolume } from '../../../../src/commands/migrate-legacy/projected';

const deployment = (sa?: string) => ({
  spec: {
    template: {
      spec: {
        ...(sa ? { serviceAccountName: sa } : {}),
        containers: [{ name: 'app', volumeMounts: [{ name: 'tok', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }],
        volumes: [{ name: 'data', emptyDir: {} }, { name: 'tok', secret: { secretName: 'app-token-abcde', defaultMode: 0o440 } }],
      },
    },
  },
});

describe('projectionPatch', () => {
  test('replaces exactly the Secret volume, guarded by a test op, keeping name and mode', () => {
    const p = projectionPatch(deployment('app'), 'Deployment', 'app-token-abcde', 'app')!;
    expect(p.patch).toEqual([
      { op: 'test', path: '/spec/template/spec/volumes/1/secret/secretName', value: 'app-token-abcde' },
      { op: 'replace', path: '/spec/template/spec/volumes/1', value: projectedTokenVolume('tok', { defaultMode: 0o440 }) },
    ]);
    expect(p.notes).toEqual([]);
  });

  test('the projected volume carries the three files a token Secret has', () => {
    const v = projectedTokenVolume('tok', undefined);
    expect(v.projected.sources.map((s) => Object.keys(s)[0])).toEqual(['serviceAccountToken', 'configMap', 'downwardAPI']);
    expect(v.projected.sources[0]).toEqual({ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } });
  });

  test('keeps the identity: pods that ran as another ServiceAccount switch to the token\'s', () => {
    const p = projectionPatch(deployment(), 'Deployment', 'app-token-abcde', 'app')!;
    expect(p.patch.at(-1)).toEqual({ op: 'add', path: '/spec/template/spec/serviceAccountName', value: 'app' });
    expect(p.notes[0]).toMatch(/ran as ServiceAccount "default"/);
  });

  test('CronJobs are patched in their job template; unknown kinds and unrelated volumes give no patch', () => {
    const cron = { spec: { jobTemplate: deployment('app') } };
    expect(projectionPatch(cron, 'CronJob', 'app-token-abcde', 'app')!.patch[0].path).toBe('/spec/jobTemplate/spec/template/spec/volumes/1/secret/secretName');
    expect(projectionPatch(deployment('app'), 'Pod', 'app-token-abcde', 'app')).toBeUndefined();
    expect(projectionPatch(deployment('app'), 'Deployment', 'other', 'app')).toBeUndefined();
  });
});
