/**
 * mint: a TokenRequest as `kubectl create token` makes it, and what people then do by hand —
 * decode it, wrap it in a kubeconfig, store it safely — with the truth about what was granted.
 */
import { randomBytes } from 'node:crypto';
import { OperationError } from '../../errors.js';
import { inspectToken } from '../../jwt/inspect.js';
import { parseToken } from '../../jwt/parse.js';
import type { TokenInspection } from '../../jwt/types.js';
import { kubernetesView } from '../../jwt/view.js';
import type { TokenRequestSpec } from '../../kube/types.js';
import { proxyUrlHasCredentials } from '../../kube/env-proxy.js';
import type { Deps, Notice } from '../types.js';
import { explainMintFailure } from './failures.js';
import type { MintOptions } from './options.js';
import { toWireObject, type TokenRequestObject } from './wire.js';
import { audienceNotice, lifetimeNotices } from './truth.js';

export interface MintRun {
  namespace: string;
  /** The TokenRequest as the API returned it (wire form: RFC 3339 times), for -o json|yaml. */
  tokenRequest: TokenRequestObject;
  /** status.token: the secret this command exists to hand out. */
  token: string;
  /** With --decode: the new token as `decode` shows it. */
  inspection?: TokenInspection;
  /** With -o kubeconfig: the whole kubeconfig text. */
  kubeconfig?: string;
  /** With --output-file: where the token or kubeconfig was written (stdout gets nothing). */
  writtenTo?: string;
  notices: Notice[];
}

export async function runMint(o: MintOptions, deps: Deps): Promise<MintRun> {
  const conn = await deps.kube();
  const namespace = conn.namespace;
  // Refuse before minting: a token nobody can store is a token minted for nothing.
  if (o.outputFile !== undefined && !o.force && (await deps.io.exists(o.outputFile))) {
    throw new OperationError(`${o.outputFile} already exists (mint never overwrites a file)`, 'add --force to replace it');
  }

  const spec: TokenRequestSpec = {
    ...(o.audiences.length > 0 ? { audiences: o.audiences } : {}),
    ...(o.expirationSeconds !== undefined ? { expirationSeconds: o.expirationSeconds } : {}),
    ...(o.boundObjectRef ? { boundObjectRef: o.boundObjectRef } : {}),
  };
  deps.progress(`requesting a token for serviceaccount ${namespace}/${o.serviceAccount}…`);
  let result;
  try {
    result = await conn.api.createToken(namespace, o.serviceAccount, spec);
  } catch (e) {
    throw explainMintFailure(e, namespace, o);
  } finally {
    deps.progress('');
  }
  const tokenRequest = toWireObject(result.tokenRequest);
  const token = tokenRequest.status?.token ?? '';
  if (token === '') throw new OperationError('failed to create token: no token in server response');

  const now = deps.clock();
  const view = kubernetesView(parseToken(token).claims, now);
  const notices = lifetimeNotices(result.warnings, o.expirationSeconds, view, tokenRequest.status?.expirationTimestamp ?? null);
  if (o.audiences.length > 0) {
    const n = await audienceNotice(conn.forToken(token), o.audiences);
    if (n) notices.push(n);
  }

  const run: MintRun = { namespace, tokenRequest, token, notices };
  if (o.output === 'decode') {
    run.inspection = await inspectToken(token, {
      now,
      source: `TokenRequest for serviceaccount ${namespace}/${o.serviceAccount}`,
      notCheckedReason: 'just issued by the API server',
    });
  }
  if (o.output === 'kubeconfig') {
    run.kubeconfig = conn.kubeconfigForToken(o.serviceAccount, token, namespace);
    if (conn.cluster.proxyUrl && proxyUrlHasCredentials(conn.cluster.proxyUrl)) {
      notices.push({ level: 'warning', message: "the cluster's proxy-url holds a user name and password: they were left out of the kubeconfig (the proxy is kept)" });
    }
  }
  if (o.outputFile !== undefined) {
    await writeSecretFile(deps, o.outputFile, run.kubeconfig ?? token, o.force);
    run.writtenTo = o.outputFile;
    notices.push({ level: 'info', message: `wrote ${o.output === 'kubeconfig' ? 'a kubeconfig' : 'the token'} to ${o.outputFile} (mode 0600)` });
  }
  return run;
}

/**
 * Mode 0600 from the first byte. Without --force the write is exclusive (no overwrite, even in a
 * race); with it, a fresh file is renamed over the old one, so the old file's looser mode is not kept.
 */
async function writeSecretFile(deps: Deps, path: string, text: string, force: boolean): Promise<void> {
  try {
    if (!force) {
      await deps.io.writeFile(path, text, { mode: 0o600, exclusive: true });
      return;
    }
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await deps.io.writeFile(tmp, text, { mode: 0o600, exclusive: true });
    await deps.io.rename(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new OperationError(`${path} already exists (mint never overwrites a file)`, 'add --force to replace it');
    throw new OperationError(`cannot write ${path} (${(e as Error).message})`, undefined, { cause: e });
  }
}
