/** The token under test: read as decode reads it, or minted fresh (--mint). */
import { OperationError } from '../../errors.js';
import { unwrapPasted } from '../../jwt/pasted.js';
import type { Deps, Notice } from '../types.js';
import { readToken as readDecodeSource } from '../decode/sources.js';
import { explainMintFailure } from '../mint/failures.js';
import type { TestAuthSource } from './options.js';

export interface TokenInput {
  raw: string;
  /** Shown in the result: never the token. */
  source: string;
  /** The pod it was read from (the fix for a stale token restarts it). */
  pod?: { namespace: string; name: string };
  notices: Notice[];
}

export async function readToken(s: TestAuthSource, deps: Deps): Promise<TokenInput> {
  if (s.kind !== 'mint') {
    const r = await readDecodeSource(s, deps);
    const pod = s.kind === 'pod' ? { namespace: (await deps.kube()).namespace, name: s.pod } : undefined;
    // The token as the API server must get it: without what pasting brought along (quotes, `Bearer `…).
    return { raw: unwrapPasted(r.text), source: r.label, notices: r.notices, ...(pod ? { pod } : {}) };
  }
  const conn = await deps.kube();
  const ns = conn.namespace;
  try {
    const r = await conn.api.createToken(ns, s.serviceAccount, s.audiences.length > 0 ? { audiences: s.audiences } : {});
    const token = r.tokenRequest.status?.token ?? '';
    if (token === '') throw new OperationError('failed to create token: no token in server response');
    return { raw: token, source: `TokenRequest for serviceaccount ${ns}/${s.serviceAccount}`, notices: [] };
  } catch (e) {
    throw explainMintFailure(e, ns, { serviceAccount: s.serviceAccount, audiences: s.audiences, output: 'token', force: false });
  }
}
