// The launcher's control channel: a unix socket in the run directory (mode 0600, so root only) that
// takes one JSON request per line and answers one JSON line once the change is done. Requests run one
// at a time, in the order they came, whoever sent them: two test files changing the same cluster's
// flags at once would race otherwise.
//
//   {"op":"status"}
//   {"op":"reconfigure","profile":"eks","apiserverArgs":["--x=y"],"controllerManagerArgs":["--z=w"]}
//   {"op":"kubelet","running":false}
//
// Each answer is {"ok":true,...} or {"ok":false,"error":"one line"}.
import { chmodSync, rmSync } from 'node:fs';
import net from 'node:net';

/** Longest request line read; a longer one is refused and the connection closed. */
const MAX_LINE = 64 << 10;

// Flags that decide where a component listens, whom it talks to, or who it is: the control channel
// keeps them as the launcher set them, so that every component stays on loopback with its own identity.
const FIXED = {
  'kube-apiserver': ['--bind-address', '--advertise-address', '--secure-port', '--etcd-servers', '--external-hostname',
    '--tls-cert-file', '--tls-private-key-file', '--client-ca-file', '--cert-dir', '--audit-log-path', '--audit-policy-file'],
  'kube-controller-manager': ['--bind-address', '--secure-port', '--kubeconfig', '--master', '--cert-dir',
    '--authentication-kubeconfig', '--authorization-kubeconfig'],
};

/** The extra args of `component` as given, or a one-line reason to refuse them. */
export function checkExtraArgs(component, args) {
  if (args === undefined) return { args: [] };
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) return { error: `${component} args must be a list of strings` };
  for (const a of args) {
    if (!/^--[a-z0-9][a-z0-9-]*(=[^\n\r\0]*)?$/.test(a)) return { error: `${component} arg ${JSON.stringify(a.slice(0, 80))} is not --name or --name=value` };
    const name = a.split('=')[0];
    if (FIXED[component]?.includes(name)) return { error: `${component} ${name} stays as the launcher set it (loopback only, its own identity)` };
  }
  return { args };
}

/**
 * Listens on `socketPath` and answers each request line with `await handle(request)`, one request at
 * a time. Returns a function that closes the socket.
 */
export function serveControl(socketPath, handle) {
  rmSync(socketPath, { force: true });
  let queue = Promise.resolve();
  const server = net.createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('error', () => { /* the client went away; its answer is dropped */ });
    conn.on('data', (chunk) => {
      buf += chunk;
      if (buf.length > MAX_LINE && !buf.includes('\n')) {
        conn.end(`${JSON.stringify({ ok: false, error: `request longer than ${MAX_LINE} bytes` })}\n`);
        buf = '';
        return;
      }
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        queue = queue.then(async () => {
          let answer;
          try {
            const request = JSON.parse(line);
            if (request === null || typeof request !== 'object' || Array.isArray(request)) throw new Error('a request is a JSON object');
            answer = await handle(request);
          } catch (e) {
            answer = { ok: false, error: String(e?.message ?? e).split('\n')[0] };
          }
          if (!conn.destroyed) conn.write(`${JSON.stringify(answer)}\n`);
        });
      }
    });
  });
  // The run directory is 0700 already; the socket itself is made root-only too.
  server.listen(socketPath, () => chmodSync(socketPath, 0o600));
  return () => { server.close(); rmSync(socketPath, { force: true }); };
}
