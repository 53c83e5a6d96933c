#!/usr/bin/env node
/**
 * The scale benchmark's floor: GETs every page (limit 500) of Secrets, pods and ServiceAccounts in
 * all namespaces from the API server in KUBECONFIG (the emulator's or the real cluster's: client
 * certificate data inline, YAML or JSON), the three lists one after the other, and drops the
 * bodies. What any client pays to merely fetch the objects a scan reads.
 *
 *   KUBECONFIG=… node scripts/bench/list-pages.mjs
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

const kubeconfig = readFileSync(process.env.KUBECONFIG, 'utf8');
const field = (name) => {
  // YAML (the emulator's) or JSON (the real cluster's): `name: value` or `"name": "value",`
  const m = new RegExp(`${name}"?:\\s*(\\S+)`).exec(kubeconfig);
  if (!m) throw new Error(`${name} not in the kubeconfig`);
  return m[1].replace(/,$/, '').replace(/^["']|["']$/g, '');
};
const pem = (name) => Buffer.from(field(name), 'base64');
const server = new URL(field('server'));
const tls = { ca: pem('certificate-authority-data'), cert: pem('client-certificate-data'), key: pem('client-key-data') };

function get(path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: server.hostname, port: server.port, path, method: 'GET', headers: { Accept: 'application/json' }, ...tls }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`GET ${path}: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

let pages = 0;
for (const resource of ['secrets', 'pods', 'serviceaccounts']) {
  let cont = '';
  do {
    const body = JSON.parse(await get(`/api/v1/${resource}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`));
    cont = body.metadata?.continue ?? '';
    pages++;
  } while (cont);
}
process.stdout.write(`${pages} pages\n`);
