/** Writing responses: JSON bodies, Status errors, warning headers. */
import type { ServerResponse } from 'node:http';
import { StatusError } from '../errors';

export interface Reply {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string | string[]>;
  /** A long-running response (watch): called instead of writing `body`. */
  stream?: (req: import('node:http').IncomingMessage, res: ServerResponse) => void;
}

export function json(status: number, body: unknown, contentType = 'application/json'): Reply {
  return { status, body, contentType };
}

export function errorReply(e: unknown): Reply {
  if (e instanceof StatusError) return json(e.code, e.toStatus());
  const err = e instanceof Error ? e : new Error(String(e));
  const s = new StatusError(500, 'InternalError', `Internal error occurred: ${err.message}`);
  return json(500, s.toStatus());
}

/** Upstream's warning header form (RFC 7234 code 299, agent "-"). */
export function warningHeader(text: string): string {
  return `299 - "${text.replace(/"/g, '\\"')}"`;
}

export function write(res: ServerResponse, reply: Reply, warnings: string[]): void {
  const text = typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
  const headers: Record<string, string | string[] | number> = {
    'Content-Type': reply.contentType ?? 'application/json',
    'Cache-Control': 'no-cache, private',
    'Content-Length': Buffer.byteLength(text as string | Buffer),
    ...(reply.headers ?? {}),
  };
  if (warnings.length) headers['Warning'] = warnings.map(warningHeader);
  res.writeHead(reply.status, headers);
  res.end(text);
}
