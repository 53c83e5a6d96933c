/**
 * A tiny real HTTPS server on 127.0.0.1 for transport-level faults the emulator does not stage:
 * a hanging request, a dropped connection, 429 with Retry-After, a wrong certificate name.
 * Each test sets `handle`; every request is recorded with its raw header lines.
 */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';

const CERTS = join(__dirname, '..', 'certs');
export const pem = (name: string) => readFileSync(join(CERTS, name), 'utf8');

export interface Recorded {
  method: string;
  url: string;
  /** Header name (lower case) → every line's value, in order. */
  headers: Record<string, string[]>;
  body: string;
  /** The client's port: requests with the same port came over the same connection. */
  remotePort: number;
}

export interface FaultServer {
  url: string;
  port: number;
  requests: Recorded[];
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  /** For exec tests: called with each WebSocket upgrade that the test accepts. */
  onUpgrade?: (ws: WebSocket, req: IncomingMessage) => void;
  /** Refuses the upgrade with this status and Status body instead. */
  refuseUpgrade?: { code: number; body: unknown };
  stop(): Promise<void>;
}

export async function startFaultServer(certName: 'server' | 'misnamed' = 'server'): Promise<FaultServer> {
  const state: FaultServer = {
    url: '',
    port: 0,
    requests: [],
    handle: (_req, res) => json(res, 404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'no handler' }),
    stop: async () => {},
  };
  const record = (req: IncomingMessage, body: string) => {
    const headers: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) (headers[req.rawHeaders[i].toLowerCase()] ??= []).push(req.rawHeaders[i + 1]);
    state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers, body, remotePort: req.socket.remotePort ?? 0 });
  };
  const server = https.createServer({ key: pem(`${certName}.key`), cert: pem(`${certName}.crt`) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      record(req, body);
      state.handle(req, res, body);
    });
  });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false) });
  server.on('upgrade', (req, socket, head) => {
    record(req, '');
    if (state.refuseUpgrade) {
      const body = JSON.stringify(state.refuseUpgrade.body);
      socket.end(`HTTP/1.1 ${state.refuseUpgrade.code} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => state.onUpgrade?.(ws, req));
  });
  const sockets = new Set<import('node:stream').Duplex>();
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `https://127.0.0.1:${state.port}`;
  state.stop = async () => {
    for (const c of wss.clients) c.terminate();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

export function json(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message };
}

/** A kubeconfig file for `server`, trusting `caPem`, with a bearer token. */
export function writeKubeconfig(server: string, caPem: string, token = 'user-token-abc', namespace?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'satoken-kc-'));
  const path = join(dir, 'config');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fault', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
      users: [{ name: 'tester', user: { token } }],
      contexts: [{ name: 'fault', context: { cluster: 'fault', user: 'tester', ...(namespace ? { namespace } : {}) } }],
      'current-context': 'fault',
    }),
  );
  return path;
}
