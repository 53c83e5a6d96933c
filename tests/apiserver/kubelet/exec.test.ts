import type { Pod } from '../host';
import { memoryHost, objects } from '../tokens/memory-host';
import { Kubelet } from './kubelet';

const D = '/var/run/secrets/kubernetes.io/serviceaccount';

function podFor(name: string, image: string, phase = 'Running'): Pod {
  const pod = objects.pod('ns', name, { serviceAccountName: 'app', nodeName: 'node-1', annotations: { 'emulator.satoken.dev/image': image } });
  pod.status = { phase };
  pod.spec.volumes = [
    {
      name: 'kube-api-access-x',
      projected: {
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
  ];
  pod.spec.containers[0]!.volumeMounts = [{ name: 'kube-api-access-x', mountPath: D }];
  return pod;
}

const host = memoryHost();
host.add(objects.serviceAccount('ns', 'app'));
host.add(objects.node('node-1'));
host.add(podFor('gnu', 'debian'));
host.add(podFor('bb', 'busybox'));
host.add(podFor('dl', 'distroless'));
host.add(podFor('pending', 'debian', 'Pending'));
const kubelet = new Kubelet(host);
kubelet.sync();

describe('exec outputs per image', () => {
  const cases: Array<{ pod: string; argv: string[]; stdout?: string | RegExp; stderr?: string; exit: number }> = [
    { pod: 'gnu', argv: ['cat', `${D}/namespace`], stdout: 'ns', exit: 0 },
    { pod: 'gnu', argv: ['cat', '/nope'], stderr: 'cat: /nope: No such file or directory\n', exit: 1 },
    { pod: 'bb', argv: ['cat', '/nope'], stderr: "cat: can't open '/nope': No such file or directory\n", exit: 1 },
    { pod: 'gnu', argv: ['cat', D], stderr: `cat: ${D}: Is a directory\n`, exit: 1 },
    { pod: 'gnu', argv: ['ls', '/nope'], stderr: "ls: cannot access '/nope': No such file or directory\n", exit: 2 },
    { pod: 'bb', argv: ['ls', '/nope'], stderr: 'ls: /nope: No such file or directory\n', exit: 1 },
    { pod: 'gnu', argv: ['ls', D], stdout: 'namespace\ntoken\n', exit: 0 },
    { pod: 'gnu', argv: ['stat', '/nope'], stderr: "stat: cannot statx '/nope': No such file or directory\n", exit: 1 },
    { pod: 'bb', argv: ['stat', '/nope'], stderr: "stat: can't stat '/nope': No such file or directory\n", exit: 1 },
    { pod: 'gnu', argv: ['stat', `${D}/token`], stdout: new RegExp(`^  File: ${D}/token -> \\.\\.data/token\\n  Size: 12        \\tBlocks: 0          IO Block: 4096   symbolic link\\nDevice: 0,52\\tInode: \\d+ +Links: 1\\nAccess: \\(0777/lrwxrwxrwx\\)  Uid: \\(    0/    root\\)   Gid: \\(    0/    root\\)\\nAccess: 2026-11-28 16:00:00\\.\\d{9} \\+0000\\nModify: .*\\nChange: .*\\n Birth: -\\n$`), exit: 0 },
    { pod: 'bb', argv: ['stat', `${D}/token`], stdout: new RegExp(`^  File: '${D}/token' -> '\\.\\.data/token'\\n[^]*Device: 34h/52d\\t[^]*Change: [^\\n]+\\n$`), exit: 0 },
    { pod: 'gnu', argv: ['stat', '-L', '-c', '%s %a %U:%G %F', `${D}/namespace`], stdout: '2 644 root:root regular file\n', exit: 0 },
    { pod: 'gnu', argv: ['test', '-f', `${D}/token`], exit: 0 },
    { pod: 'gnu', argv: ['test', '-f', '/nope'], exit: 1 },
    { pod: 'gnu', argv: ['date'], stdout: 'Sat Nov 28 16:00:00 UTC 2026\n', exit: 0 },
    { pod: 'gnu', argv: ['sh', '-c', `echo "ns=$(cat ${D}/namespace)"; T=$(cat ${D}/token); test \${#T} -gt 100 && echo long`], stdout: 'ns=ns\nlong\n', exit: 0 },
    { pod: 'gnu', argv: ['sh', '-c', `cat ${D}/token | cut -d'.' -f2 | base64 -d 2>/dev/null | head -c 7`], stdout: '{"aud":', exit: 0 },
    { pod: 'gnu', argv: ['sh', '-c', `cat ${D}/token | cut -d'.' -f2 | base64 -d | jq .`], stderr: 'sh: 1: jq: not found\n', exit: 127 },
    { pod: 'bb', argv: ['sh', '-c', 'curl -s https://kubernetes.default.svc'], stderr: 'sh: curl: not found\n', exit: 127 },
    { pod: 'gnu', argv: ['sh', '-c', 'false || echo fallback && echo then'], stdout: 'fallback\nthen\n', exit: 0 },
  ];
  it.each(cases)('$pod: $argv', ({ pod, argv, stdout, stderr, exit }) => {
    const r = kubelet.exec('ns', pod, undefined, argv);
    if (!r.ok) throw new Error(r.status.message);
    if (stdout instanceof RegExp) expect(r.stdout).toMatch(stdout);
    else if (stdout !== undefined) expect(r.stdout).toBe(stdout);
    expect(r.stderr).toBe(stderr ?? '');
    expect(r.exitCode).toBe(exit);
    if (exit === 0) expect(r.status).toEqual({ metadata: {}, status: 'Success' });
    else
      expect(r.status).toEqual({
        metadata: {},
        status: 'Failure',
        reason: 'NonZeroExitCode',
        message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exit}`,
        details: { causes: [{ reason: 'ExitCode', message: String(exit) }] },
      });
  });
});

describe('exec failures outside the process', () => {
  it('distroless: the runtime cannot find the binary', () => {
    const r = kubelet.exec('ns', 'dl', undefined, ['cat', `${D}/token`]);
    if (!r.ok) throw new Error('expected a stream-level failure');
    expect(r.status).toMatchObject({ status: 'Failure', reason: 'InternalError', code: 500 });
    expect(r.status.message).toMatch(
      /^Internal error occurred: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "cat": executable file not found in \$PATH$/,
    );
  });
  it('an image without the binary fails the same way when exec-ed directly', () => {
    const r = kubelet.exec('ns', 'gnu', undefined, ['jq', '.']);
    expect(r.ok && r.status.message).toContain('exec: "jq": executable file not found in $PATH');
  });
  const cases = [
    { name: 'unknown container', pod: 'gnu', container: 'sidecar', code: 400, message: 'container sidecar is not valid for pod gnu' },
    { name: 'pod not running', pod: 'pending', container: undefined, code: 400, message: 'container not found ("app")' },
    { name: 'missing pod', pod: 'ghost', container: undefined, code: 404, message: 'pods "ghost" not found' },
  ];
  it.each(cases)('$name', ({ pod, container, code, message }) => {
    const r = kubelet.exec('ns', pod, container, ['cat', '/etc/hostname']);
    expect(r.ok ? undefined : r.status).toMatchObject({ code, message });
  });
});
