/**
 * Benchmark 4, decode throughput: tokens judged per second by the JWT core's inspectToken (parse,
 * Kubernetes view, findings; no signature check) against a baseline of what any decoder must do at
 * least — split the token, base64url-decode and JSON.parse its header and payload — over the same
 * tokens, in the same loop. Bound, legacy and external tokens alike.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { importSource, median, table } from './lib.mjs';

/** A mix of token shapes, each signed (the signature is carried, not checked). */
function tokens(n) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const iss = 'https://kubernetes.default.svc.cluster.local';
  const out = [];
  for (let i = 0; i < n; i++) {
    const ns = `team-${i % 97}`;
    const sa = `app-${i % 13}`;
    const payload =
      i % 3 === 0
        ? {
            aud: [iss],
            exp: now + 3600 - (i % 7200),
            iat: now - 60,
            nbf: now - 60,
            iss,
            jti: `4f0c1a2b-3c4d-4e5f-8a9b-${String(i).padStart(12, '0')}`,
            sub: `system:serviceaccount:${ns}:${sa}`,
            'kubernetes.io': {
              namespace: ns,
              serviceaccount: { name: sa, uid: '5a0b6a8e-7c8e-4d0e-9d1f-3c4b5a6d7e8f' },
              pod: { name: `${sa}-7d4b9c-x${i}`, uid: 'c0ffee00-1111-4222-8333-444455556666' },
              node: { name: 'node-1', uid: '0d0e0f10-aaaa-4bbb-8ccc-dddddddddddd' },
              warnafter: now + 3000,
            },
          }
        : i % 3 === 1
          ? {
              iss: 'kubernetes/serviceaccount',
              'kubernetes.io/serviceaccount/namespace': ns,
              'kubernetes.io/serviceaccount/secret.name': `${sa}-token-${i}`,
              'kubernetes.io/serviceaccount/service-account.name': sa,
              'kubernetes.io/serviceaccount/service-account.uid': '5a0b6a8e-7c8e-4d0e-9d1f-3c4b5a6d7e8f',
              sub: `system:serviceaccount:${ns}:${sa}`,
            }
          : { iss: 'https://accounts.google.com', aud: ['my-app'], sub: `1094${i}`, exp: now + 3600, iat: now, email: `u${i}@example.com` };
    const input = `${b64({ alg: 'RS256', kid: `k${i % 4}`, typ: 'JWT' })}.${b64(payload)}`;
    // One real signature, reused: signing thousands of tokens would only slow the setup.
    out.push(`${input}.${i === 0 ? createSign('sha256').update(input).sign(privateKey).toString('base64url') : out[0].split('.')[2]}`);
  }
  return out;
}

/** The least any decoder does: two base64url decodes and two JSON.parse. */
function baselineDecode(token) {
  const [h, p] = token.split('.');
  return [JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), JSON.parse(Buffer.from(p, 'base64url').toString('utf8'))];
}

export async function benchDecode({ quick, log }) {
  const { inspectToken } = await importSource('src/jwt/index.ts', 'jwt');
  const sample = tokens(3000);
  const now = new Date();
  const opts = { now, source: 'bench', expectedIssuers: ['https://kubernetes.default.svc.cluster.local'], apiAudiences: ['https://kubernetes.default.svc.cluster.local'] };
  const rounds = quick ? 5 : 15;
  const perRound = 3;
  // Warm both paths (JIT) before timing.
  for (const t of sample) {
    baselineDecode(t);
    await inspectToken(t, opts);
  }
  log(`decode throughput: ${rounds} rounds of ${perRound * sample.length} tokens each way…`);
  const core = [];
  const base = [];
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    let t = process.hrtime.bigint();
    for (let k = 0; k < perRound; k++) for (const tok of sample) sink += baselineDecode(tok).length;
    base.push((perRound * sample.length) / (Number(process.hrtime.bigint() - t) / 1e9));
    t = process.hrtime.bigint();
    for (let k = 0; k < perRound; k++) for (const tok of sample) sink += (await inspectToken(tok, opts)).findings.length;
    core.push((perRound * sample.length) / (Number(process.hrtime.bigint() - t) / 1e9));
  }
  const b = median(base);
  const c = median(core);
  const text = table(
    `4. Decode throughput (median of ${rounds} rounds of ${perRound * sample.length} tokens: bound, legacy, external)`,
    ['path', 'tokens/s', 'ratio'],
    [
      ['base64url + JSON.parse of header and payload (baseline)', Math.round(b).toLocaleString('en'), '1.00x'],
      ['inspectToken (parse, view, findings)', Math.round(c).toLocaleString('en'), `${(c / b).toFixed(2)}x`],
    ],
  );
  return { text, json: { rounds, tokensPerRound: perRound * sample.length, baselinePerSecond: b, inspectTokenPerSecond: c, ratio: c / b, checksum: sink > 0 } };
}
