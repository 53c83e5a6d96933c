/**
 * inspectToken: the one entry point other commands use — parse, classify, view, verify (when keys
 * are given) and judge a raw token against a clock and what is known of the verifier.
 */
import { judge, signatureFinding, type JudgeContext } from './findings.js';
import { parseToken } from './parse.js';
import type { Finding, Jwks, TokenInspection, Verification } from './types.js';
import { thirdPartyByAudience } from './third-party.js';
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
  const third = view.type === 'legacy' ? undefined : thirdPartyByAudience(view.audiences);
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
    ...(third ? { thirdParty: { id: third.id, name: third.name, purpose: third.purpose } } : {}),
    findings: [...signatureFinding(verified, view), ...judge(parsed.claims, view, opts), ...thirdPartyFinding(third, view.audiences)],
  };
}

/** Says what a third party's token is for, and that the API server is not its verifier. */
function thirdPartyFinding(kind: ReturnType<typeof thirdPartyByAudience>, audiences: string[]): Finding[] {
  if (!kind) return [];
  return [{
    id: 'third-party-token',
    severity: 'info',
    message: `a ${kind.name} token (aud ${audiences.join(', ')}): ${kind.purpose}; it is not meant for the API server, which refuses it as a bearer token (its audience is not one of --api-audiences)`,
    fix: `${kind.env ? `point ${kind.env} at it (the injector does) and ` : ''}send the API server the pod's own token (/var/run/secrets/kubernetes.io/serviceaccount/token) instead`,
  }];
}

function notChecked(reason = 'no issuer keys were given'): Verification {
  return { status: 'not-checked', reason, kid: null };
}

/** True when a finding is an error: the token is refused (exit code 3). */
export function hasErrors(inspection: TokenInspection): boolean {
  return inspection.findings.some((f) => f.severity === 'error');
}
