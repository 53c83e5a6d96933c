/**
 * `pods/exec` over WebSocket, as kube-apiserver proxies it to the kubelet: subprotocols
 * v5.channel.k8s.io / v4.channel.k8s.io (and the older channel.k8s.io forms client-node offers),
 * one leading channel byte per message — 0 stdin, 1 stdout, 2 stderr, 3 error (the final
 * metav1.Status JSON), 4 resize, 255 close (v5). A non-zero exit is a Failure status with reason
 * NonZeroExitCode and the exit code in details.causes[{reason: ExitCode}], as the kubelet writes it.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { UserInfo } from '../auth/user';
import type { Cluster } from '../cluster';
import { badRequest, notFound, StatusError } from '../errors';
import type { RequestInfo } from '../http/request-info';
import type { ExecRunner } from './types';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;

function frame(channel: number, data: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]);
}

/** The Status the kubelet writes on the error channel (no kind/apiVersion: Status() of the error). */
export function exitStatus(command: string[], exitCode: number): object {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export function internalErrorStatus(message: string): object {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: error executing command in container: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message: `error executing command in container: ${message}` }] },
    code: 500,
  };
}

/** Checks the API server makes before it proxies an exec (pkg/registry/core/pod/strategy.go). */
function target(cluster: Cluster, info: RequestInfo, query: URLSearchParams) {
  const pod = cluster.get('', 'pods', info.namespace, info.name!);
  if (!pod) throw notFound('pods', '', info.name!);
  const containers: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
  let container = query.get('container') ?? '';
  if (!container) {
    if (containers.length !== 1) {
      throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`);
    }
    container = containers[0];
  }
  if (!containers.includes(container)) {
    const init = (pod.spec?.initContainers ?? []).some((c: { name: string }) => c.name === container);
    if (!init) throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
  }
  if (!pod.spec?.nodeName) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  const command = query.getAll('command');
  if (!command.length) throw badRequest('you must specify at least 1 command');
  const status = (pod.status?.containerStatuses ?? []).find((c: { name: string }) => c.name === container);
  if (pod.status?.phase !== 'Running' || !status?.state?.running) {
    // The kubelet refuses before upgrading (its 400 text reaches kubectl as "unable to upgrade connection: …").
    throw new StatusError(400, 'BadRequest', `container not found ("${container}")`);
  }
  return { pod, container, command };
}

export function createExecUpgrade(getRunner: () => ExecRunner | undefined) {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => EXEC_PROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });
  return (cluster: Cluster, req: IncomingMessage, socket: Socket, head: Buffer, info: RequestInfo, _user: UserInfo): void => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const { pod, container, command } = target(cluster, info, url.searchParams);
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim());
    if (!EXEC_PROTOCOLS.some((p) => offered.includes(p))) throw badRequest('Upgrade request required');
    const runner = getRunner();
    if (!runner) throw new StatusError(503, 'ServiceUnavailable', 'the emulated kubelet has no exec interpreter');
    const wantStdin = ['true', '1'].includes(url.searchParams.get('stdin') ?? '');
    const tty = ['true', '1'].includes(url.searchParams.get('tty') ?? '');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const v5 = ws.protocol === 'v5.channel.k8s.io';
      const stdin: Buffer[] = [];
      let started = false;
      const run = async () => {
        if (started) return;
        started = true;
        let status: object;
        try {
          const out = await runner({ pod, container, command, stdin: wantStdin ? Buffer.concat(stdin) : undefined, tty });
          if ('error' in out) status = internalErrorStatus(out.error);
          else {
            if (out.stdout && out.stdout.length) ws.send(frame(STDOUT, out.stdout));
            if (out.stderr && out.stderr.length) ws.send(frame(tty ? STDOUT : STDERR, out.stderr));
            status = 'status' in out ? out.status : exitStatus(command, out.exitCode);
          }
        } catch (e) {
          status = internalErrorStatus((e as Error).message);
        }
        ws.send(frame(ERROR, JSON.stringify(status)));
        ws.close(1000);
      };
      ws.on('message', (data: Buffer) => {
        if (!data.length) return;
        if (data[0] === STDIN) stdin.push(data.subarray(1));
        if (v5 && data[0] === CLOSE && data[1] === STDIN) void run();
      });
      ws.on('close', () => void run().catch(() => undefined));
      // Without stdin (or on v4, which has no close signal) the command runs at once.
      if (!wantStdin || !v5) void run();
    });
  };
}
