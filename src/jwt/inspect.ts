/**
 * inspectToken: the one entry point other commands use — parse, classify, view, verify (when keys
 * are given) and judge a raw token against a clock and what is known of the verifier.
 */
import { judge, signatureFinding, type JudgeContext } from './findings.js';
import { parseToken } from './parse.js';
import type { Jwks, TokenInspection, Verification } from './types.js';
import { verifySignature, type VerifyResult } from './verify.js';
import { kubernetesView } from './view.js';

export interface InspectOptions extends JudgeContext {
  /** Where the token came from, shown as is (`argument`, `file t.jwt`, `pod ns/name:/path`). */
  source: string;
  /** The issuer's keys; without them the signature is `not-checked`. */
  jwks?: Jwks;
  /** Why the signature was not checked, when no jwks is given (the caller knows its own flags). */
  notCheckedReason?: string;
  /** Put the whole token into the result (`decode --show-token`). Off by default: a token is a secret. */
  showToken?: boolean;
}

/** Throws TokenFormatError when `raw` is not a readable JWT; everything else is a finding. */
export async function inspectToken(raw: string, opts: InspectOptions): Promise<TokenInspection> {
  const parsed = parseToken(raw);
  const view = kubernetesView(parsed.claims, opts.now);
  const verified: VerifyResult = opts.jwks
    ? await verifySignature(parsed, opts.jwks)
    : { verification: notChecked(opts.notCheckedReason), failure: null };
  return {
    kind: 'TokenInspection',
    source: opts.source,
    ...(opts.showToken ? { rawToken: parsed.compact } : {}),
    header: parsed.header,
    claims: parsed.claims,
    token: view,
    verification: verified.verification,
    findings: [...signatureFinding(verified, view), ...judge(parsed.claims, view, opts)],
  };
}

function notChecked(reason = 'no issuer keys were given'): Verification {
  return { status: 'not-checked', reason, kid: null };
}

/** True when a finding is an error: the token is refused (exit code 3). */
export function hasErrors(inspection: TokenInspection): boolean {
  return inspection.findings.some((f) => f.severity === 'error');
}
