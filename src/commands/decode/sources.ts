/** Reads the token from where the options say: an argument, a file, stdin, a pod's mount, a Secret. */
import { OperationError, UsageError } from '../../errors.js';
import { cmd, render } from '../../shell/command.js';
import { LIMITS } from '../../limits.js';
import type { Deps, Notice } from '../types.js';
import type { V1Pod } from '@kubernetes/client-node';
import type { TokenSource } from './options.js';
import { ownReadsIn } from '../own-reads.js';
import { parsePodFileRead, podFileReadCommand } from '../pod-file-read.js';

export interface ReadToken {
  text: string;
  /** Where it came from, for the result's `source` and for error lines. */
  label: string;
  notices: Notice[];
}

export async function readToken(source: TokenSource, deps: Deps): Promise<ReadToken> {
  switch (source.kind) {
    case 'argument':
      return { text: source.token, label: 'argument', notices: [] };
    case 'stdin':
      return { text: (await deps.io.readStdin()).toString('utf8'), label: 'stdin', notices: [] };
    case 'file':
      return { text: await readFile(source.path, deps), label: `file ${source.path}`, notices: [] };
    case 'pod':
      return readFromPod(source, deps);
    case 'secret':
      return readFromSecret(source.name, deps);
  }
}

async function readFile(path: string, deps: Deps): Promise<string> {
  try {
    return (await deps.io.readFile(path, { bytes: LIMITS.tokenFile, what: 'a token file' })).toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new UsageError(`cannot read -f ${path} (${why})`);
  }
}

/** kubectl's choice when -c is not given: the default-container annotation, else the first container. */
export function defaultContainer(pod: V1Pod): { name: string | undefined; notice?: Notice } {
  const containers = pod.spec?.containers ?? [];
  const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  const name = annotated && containers.some((c) => c.name === annotated) ? annotated : containers[0]?.name;
  if (containers.length <= 1 || annotated === name) return { name };
  const all = [...containers.map((c) => c.name), ...(pod.spec?.initContainers ?? []).map((c) => `${c.name} (init)`)];
  return { name, notice: { level: 'info', message: `Defaulted container "${name}" out of: ${all.join(', ')}` } };
}

async function readFromPod(source: Extract<TokenSource, { kind: 'pod' }>, deps: Deps): Promise<ReadToken> {
  const conn = await deps.kube();
  const ns = conn.namespace;
  const notices: Notice[] = [];
  let container = source.container;
  if (container === undefined) {
    const chosen = defaultContainer(await conn.api.readPod(ns, source.pod));
    container = chosen.name;
    if (chosen.notice) notices.push(chosen.notice);
  }
  const where = `pod ${ns}/${source.pod}${container ? `, container ${container}` : ''}`;
  const mountHint = `is a token mounted there? check automountServiceAccountToken: ${render(cmd('kubectl', 'get', 'pod', source.pod, '-n', ns, '-o', 'jsonpath={.spec.automountServiceAccountToken}'))}`;
  deps.progress(`reading ${source.path} in ${where}…`);
  let r;
  let viaShell = true;
  try {
    r = await conn.api.exec(ns, source.pod, container, podFileReadCommand(source.path)).catch((e: unknown) => {
      // No shell in the image (distroless with a cat, rare): read with cat alone, unremembered.
      if (!NO_SH.test((e as Error).message)) throw e;
      viaShell = false;
      return conn.api.exec(ns, source.pod, container, ['cat', source.path]);
    });
  } catch (e) {
    if (NO_CAT.test((e as Error).message)) throw noCat(where, e);
    throw e;
  } finally {
    deps.progress('');
  }
  if (r.exitCode !== 0 && NO_CAT.test(r.stderr)) throw noCat(where);
  const read = viaShell ? parsePodFileRead(r.stdout) : { text: r.stdout };
  // The shell's exit code is the last stat's; cat's failure shows as its words on stderr and no text.
  const failed = r.exitCode !== 0 || (read.text === '' && r.stderr.trim() !== '');
  if (failed) {
    const why = r.stderr.trim().split('\n')[0] || `cat exited with ${r.exitCode}`;
    throw new OperationError(`cannot read ${source.path} in ${where} (${why})`, mountHint);
  }
  if (read.text.trim() === '') throw new OperationError(`${source.path} in ${where} is empty`, mountHint);
  if (read.before && read.after && read.after.mtime === read.before.mtime && read.after.atime !== read.before.atime) {
    const whereRead = { server: conn.cluster.server, namespace: ns, pod: source.pod, container: container ?? '', path: source.path };
    await ownReadsIn(deps.io, deps.env).remember(whereRead, read.before, read.after.atime);
  }
  return { text: read.text, label: `${where}, ${source.path}`, notices };
}

/** The runtime's words when the image has no `cat` (distroless, scratch). */
const NO_CAT = /executable file not found/;
const NO_SH = /exec: "sh": executable file not found/;

function noCat(where: string, cause?: unknown): OperationError {
  return new OperationError(
    `cannot run cat in ${where} (the image has no cat)`,
    'use kubectl debug with a shell image, or decode a token you mint: kubectl satoken mint SERVICEACCOUNT --decode',
    { cause },
  );
}

async function readFromSecret(name: string, deps: Deps): Promise<ReadToken> {
  const conn = await deps.kube();
  const ns = conn.namespace;
  const secret = await conn.api.readSecret(ns, name);
  const data = secret.data?.token;
  if (!data) {
    const type = secret.type ?? 'Opaque';
    const hint =
      type === 'kubernetes.io/service-account-token'
        ? `the token controller fills it once the ServiceAccount in the annotation kubernetes.io/service-account.name exists: ${render(cmd('kubectl', 'get', 'secret', name, '-n', ns, '-o', 'yaml'))}`
        : `a legacy token Secret has type kubernetes.io/service-account-token; this one is ${type}`;
    throw new OperationError(`secret ${ns}/${name} has no data.token`, hint);
  }
  return { text: Buffer.from(data, 'base64').toString('utf8'), label: `secret ${ns}/${name}`, notices: [] };
}
