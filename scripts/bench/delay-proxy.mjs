/**
 * A TCP proxy on 127.0.0.1 that holds every chunk the client sends for `latencyMs` before passing it
 * to the real API server (the reverse direction is not delayed): a network whose round trip is
 * `latencyMs` longer. It does not terminate TLS — the client still verifies the API server's
 * certificate (issued for IP 127.0.0.1, whatever the port) and authenticates with its own — so the
 * plugin and kubectl run unchanged against `https://127.0.0.1:<proxy port>`.
 *
 * Unlike the emulator's latency (added to each response), this one also delays TLS handshakes and
 * exec streams: every exchange a client waits on costs one `latencyMs`, which is what a distant
 * cluster costs. Chunks keep their order (timers of one duration fire in the order they were set).
 */
import net from 'node:net';

export function startDelayProxy(target) {
  const upstream = new URL(target);
  const state = { latencyMs: 0 };
  const sockets = new Set();
  const server = net.createServer((client) => {
    const up = net.connect(Number(upstream.port), upstream.hostname);
    sockets.add(client);
    sockets.add(up);
    const delay = state.latencyMs;
    const later = (fn) => (delay > 0 ? setTimeout(fn, delay) : fn());
    client.on('data', (chunk) => later(() => up.write(chunk)));
    client.on('end', () => later(() => up.end()));
    up.on('data', (chunk) => client.write(chunk));
    up.on('end', () => client.end());
    const close = () => {
      client.destroy();
      up.destroy();
      sockets.delete(client);
      sockets.delete(up);
    };
    client.on('error', close);
    up.on('error', close);
    client.on('close', () => later(close));
    up.on('close', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `https://127.0.0.1:${server.address().port}`,
        /** Applies to connections opened from now on (each benchmark run opens its own). */
        setLatency(ms) {
          state.latencyMs = ms;
        },
        stop: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
