/**
 * Judgements on a decoded token, made as kube-apiserver makes them (KUBERNETES.md §2;
 * pkg/serviceaccount/jwt.go, claims.go, legacy.go): same leeway, same order, and the
 * API server's own words quoted so a user can match them with its log or a TokenReview.
 */
// shell/ is pure text (no I/O, no imports): fixes name claims, and claims are hostile, so they are quoted there.
import { cmd, literal, operandOr, render, type Word } from '../shell/command.js';
import { LEGACY_CLAIMS } from './view.js';
import { splitUsername } from './subject.js';
import { relative, rfc3339, seconds, when } from './time.js';
import type { Finding, JwtClaims, KubernetesView } from './types.js';
import type { VerifyResult } from './verify.js';

/** go-jose's jwt.DefaultLeeway, which kube-apiserver uses for exp, nbf and iat. */
export const LEEWAY_SECONDS = 60;

/** What is known about the verifier the token is meant for; unknown parts are not judged. */
export interface JudgeContext {
  now: Date;
  /** The audiences the verifier targets (a TokenReview's spec.audiences, --api-audiences, Vault's role). */
  expectedAudiences?: string[];
  /** Issuers accepted: every --service-account-issuer (the first signs, all are accepted). */
  expectedIssuers?: string[];
  /** --api-audiences: what a token without `aud` (legacy) counts as; without it that case is not judged. */
  apiAudiences?: string[];
}

export function judge(claims: JwtClaims, view: KubernetesView, ctx: JudgeContext): Finding[] {
  // The API server's order: issuer, (signature — see verify.ts), audience, time, claims.
  return [
    ...issuer(view, ctx),
    ...audience(view, ctx),
    ...times(claims, view, ctx.now),
    ...subjectAndClaims(claims, view),
    ...legacy(view),
    ...stale(claims, view, ctx.now),
  ];
}

const saName = (v: KubernetesView) => v.serviceAccount?.name ?? '<serviceaccount>';
const ns = (v: KubernetesView) => v.namespace ?? '<namespace>';
const isServiceAccountToken = (v: KubernetesView) => v.type !== 'external';

/** Go's %q of a []string, as the API server prints audiences: ["a" "b"]. */
export function goQuoteList(list: string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** A claim as a command word: the value, or a placeholder to fill in when the token has none. */
const saWord = (v: KubernetesView): Word => operandOr(v.serviceAccount?.name, '<serviceaccount>');
const nsWord = (v: KubernetesView): Word => v.namespace ?? literal('<namespace>');

function createTokenCommand(v: KubernetesView, audiences?: string[]): string {
  const aud = (audiences ?? []).flatMap((a) => ['--audience', a]);
  return render(cmd('kubectl', 'create', 'token', saWord(v), '-n', nsWord(v), ...aud));
}

function issuer(v: KubernetesView, ctx: JudgeContext): Finding[] {
  const expected = ctx.expectedIssuers ?? [];
  // The legacy authenticator has its own fixed issuer, accepted whatever --service-account-issuer says.
  if (expected.length === 0 || v.type === 'legacy' || (v.issuer !== null && expected.includes(v.issuer))) return [];
  const got = v.issuer === null ? 'the token has no issuer' : `issuer "${v.issuer}"`;
  const want = expected.map((i) => `"${i}"`).join(', ');
  if (v.type === 'external') {
    return [{
      id: 'issuer-mismatch',
      severity: 'error',
      message: `${got} is not the cluster's ServiceAccount issuer (${want}): kube-apiserver's ServiceAccount authenticator ignores the token; only an OIDC or webhook authenticator set up for that issuer could accept it`,
      fix: `use a ServiceAccount token of this cluster (${createTokenCommand(v)}), or configure the API server to trust that issuer (--oidc-issuer-url or structured authentication)`,
    }];
  }
  return [{
    id: 'issuer-mismatch',
    severity: 'error',
    message: `${got} is not one the API server accepts (${want}): it skips the token and answers 401 Unauthorized without logging a reason`,
    fix: `the token comes from another cluster or from before an issuer change: get a fresh one from this cluster (restart the pod, or ${createTokenCommand(v)}); when changing --service-account-issuer, keep the old value as a second --service-account-issuer until old tokens have expired`,
  }];
}

function audience(v: KubernetesView, ctx: JudgeContext): Finding[] {
  const target = ctx.expectedAudiences ?? [];
  if (target.length === 0) return [];
  // A token without aud counts as carrying the API audiences (jwt.go); unknown → cannot judge.
  const tokenAuds = v.audiences.length > 0 ? v.audiences : ctx.apiAudiences;
  if (tokenAuds === undefined || tokenAuds.some((a) => target.includes(a))) return [];
  const apiWords = `token audiences ${goQuoteList(tokenAuds)} is invalid for the target audiences ${goQuoteList(target)}`;
  let fix: string;
  if (v.type === 'external') fix = `ask the token's issuer for a token with the audience ${target.join(', ')}`;
  else if (v.type === 'legacy') fix = `a legacy token carries only the API audiences: use a TokenRequest token instead (${createTokenCommand(v, target)})`;
  else fix = `request a token for that audience (${createTokenCommand(v, target)}), or set serviceAccountToken.audience: ${target[0]} in the pod's projected volume`;
  return [{
    id: 'audience-mismatch',
    severity: 'error',
    message: `the token is for ${goQuoteList(tokenAuds)}, the verifier expects ${goQuoteList(target)}${isServiceAccountToken(v) ? `; kube-apiserver answers: ${apiWords}` : ''}`,
    fix,
  }];
}

function times(c: JwtClaims, v: KubernetesView, now: Date): Finding[] {
  const t = now.getTime() / 1000;
  const out: Finding[] = [];
  const says = (words: string) => (isServiceAccountToken(v) ? `; kube-apiserver refuses it: "${words}"` : '');
  if (c.exp !== undefined && t - LEEWAY_SECONDS > seconds(c.exp)) {
    out.push({
      id: 'token-expired',
      severity: 'error',
      message: `expired ${relative(c.exp, now)} (${rfc3339(c.exp)})${says('service account token has expired')}`,
      fix: expiredFix(v),
    });
  }
  // go-jose checks nbf before iat and reports one; so do we.
  const skew = 'the issuer\'s clock and this one disagree: check NTP on the control-plane nodes and on the machine that uses the token';
  if (c.nbf !== undefined && t + LEEWAY_SECONDS < seconds(c.nbf)) {
    out.push({
      id: 'token-not-yet-valid',
      severity: 'error',
      message: `not valid before ${when(c.nbf, now)}${says('service account token is not valid yet')}`,
      fix: skew,
    });
  } else if (c.iat !== undefined && t + LEEWAY_SECONDS < seconds(c.iat)) {
    out.push({
      id: 'token-not-yet-valid',
      severity: 'error',
      message: `issued in the future: ${when(c.iat, now)}${says('service account token is issued in the future')}`,
      fix: skew,
    });
  }
  return out;
}

function expiredFix(v: KubernetesView): string {
  if (v.type === 'external') return `get a new token from its issuer${v.issuer ? ` (${v.issuer})` : ''}`;
  const b = v.boundObject;
  if (b?.kind === 'Pod') {
    const node = v.node?.name ? `node ${v.node.name}` : 'its node';
    return `if this is the pod's mounted token, the kubelet stopped rotating it: check that ${node} is Ready, then restart the pod (${render(cmd('kubectl', 'delete', 'pod', operandOr(b.name, '<pod>'), '-n', nsWord(v)))}); if the app kept an old copy, make it re-read /var/run/secrets/kubernetes.io/serviceaccount/token`;
  }
  return `request a new token (${createTokenCommand(v, v.audiences)})`;
}

function subjectAndClaims(c: JwtClaims, v: KubernetesView): Finding[] {
  if (v.type === 'external') return [];
  const out: Finding[] = [];
  const missing: string[] = [];
  if (v.type === 'legacy') {
    // legacy.go: every flat claim is required, and sub must name the same namespace and SA.
    for (const claim of [LEGACY_CLAIMS.namespace, LEGACY_CLAIMS.secretName, LEGACY_CLAIMS.serviceAccountName, LEGACY_CLAIMS.serviceAccountUid]) {
      if (!c[claim]) missing.push(claim);
    }
  } else {
    // claims.go looks up the ServiceAccount (and bound object) by these and compares the uid.
    const k = c['kubernetes.io'] ?? {};
    if (!k.namespace) missing.push('kubernetes.io.namespace');
    if (!k.serviceaccount?.name) missing.push('kubernetes.io.serviceaccount.name');
    if (!k.serviceaccount?.uid) missing.push('kubernetes.io.serviceaccount.uid');
    const b = v.boundObject;
    if (b) {
      const key = b.kind.toLowerCase();
      if (!b.name) missing.push(`kubernetes.io.${key}.name`);
      if (!b.uid) missing.push(`kubernetes.io.${key}.uid`);
    }
  }
  if (missing.length > 0) {
    out.push({
      id: 'claims-missing',
      severity: 'error',
      message: `the token lacks ${missing.map((m) => `"${m}"`).join(', ')}: kube-apiserver cannot match it to a ServiceAccount${v.boundObject ? ' and its bound object' : ''} and refuses it`,
      fix: `this token was not issued by kube-apiserver as is (hand-made or altered): use a token the cluster issued (${createTokenCommand(v)})`,
    });
  }

  const sub = v.subject;
  const split = sub === null ? null : splitUsername(sub);
  const matches = split !== null && split.namespace === v.namespace && split.name === v.serviceAccount?.name;
  if (!matches) {
    const expected = v.namespace && v.serviceAccount?.name ? `system:serviceaccount:${v.namespace}:${v.serviceAccount.name}` : 'system:serviceaccount:<namespace>:<name>';
    const what = sub === null ? 'the token has no "sub"' : split === null ? `"sub" is not a ServiceAccount user name (${expected})` : `"sub" names ${split.namespace}/${split.name}, the Kubernetes claims ${ns(v)}/${saName(v)}`;
    // The bound authenticator takes the identity from kubernetes.io and never reads sub;
    // the legacy one refuses the token. Other verifiers (Vault, cloud IAM) match on sub.
    out.push(
      v.type === 'legacy'
        ? {
            id: 'subject-malformed',
            severity: 'error',
            message: `${what}; kube-apiserver refuses it: "${sub === null ? 'sub claim is missing' : 'sub claim is invalid'}"`,
            fix: 'this legacy token was altered or hand-made: read the token again from its Secret, or better switch to a TokenRequest token',
          }
        : {
            id: 'subject-malformed',
            severity: 'warning',
            message: `${what}; kube-apiserver takes the identity from the kubernetes.io claim, but verifiers that match on sub (Vault, cloud IAM) will refuse it`,
            fix: `use a token the cluster issued (${createTokenCommand(v)})`,
          },
    );
  }
  return out;
}

function legacy(v: KubernetesView): Finding[] {
  if (v.type !== 'legacy') return [];
  const secret = v.boundObject?.name ? `Secret ${ns(v)}/${v.boundObject.name}` : 'a Secret';
  return [{
    id: 'token-legacy',
    severity: 'warning',
    message: `a legacy Secret-based token from ${secret}: it never expires, and it stops working once the Secret is deleted or labelled kubernetes.io/legacy-token-invalid-since (the API server's clean-up of unused auto-generated tokens)`,
    fix: `use a short-lived token instead: a projected serviceAccountToken volume, or ${createTokenCommand(v)}; ${render(cmd('kubectl', 'satoken', 'migrate-legacy', '-n', nsWord(v)))} shows what still uses the Secret`,
  }];
}

function stale(c: JwtClaims, v: KubernetesView, now: Date): Finding[] {
  const warnafter = c['kubernetes.io']?.warnafter;
  if (v.type !== 'bound' || warnafter === undefined || warnafter === 0) return [];
  const t = now.getTime() / 1000;
  // claims.go: now.After(warnafter), no leeway. An expired token is already an error.
  if (!(t > seconds(warnafter)) || (c.exp !== undefined && t - LEEWAY_SECONDS > seconds(c.exp))) return [];
  const until = c.exp !== undefined ? ` until ${when(c.exp, now)}` : '';
  return [{
    id: 'token-stale',
    severity: 'warning',
    message: `past warnafter ${when(warnafter, now)}: kube-apiserver still accepts it${until}, but audits every use as authentication.k8s.io/stale-token — the kubelet has replaced this token and the app still uses the old one`,
    fix: 'make the app re-read its token file (/var/run/secrets/kubernetes.io/serviceaccount/token) at least every few minutes, as the official client libraries do; with --service-account-extend-token-expiration=false it would fail after about an hour',
  }];
}

/** A failed signature check as a finding: kube-apiserver refuses such a token outright. */
export function signatureFinding(result: VerifyResult, v: KubernetesView): Finding[] {
  if (result.verification.status !== 'invalid') return [];
  const fresh = v.type === 'external' ? 'get a fresh token from its issuer' : `get a fresh token from the cluster (${createTokenCommand(v)})`;
  const fix =
    result.failure === 'unknown-kid'
      ? `the issuer no longer publishes the key that signed it (keys rotated, or the token is from another cluster): ${fresh}; when rotating keys, keep the old public key in --service-account-key-file until old tokens have expired`
      : result.failure === 'unsupported-alg'
        ? 'a Kubernetes issuer never signs so: this token did not come from kube-apiserver'
        : `the token was altered, or signed by another key under the same kid: ${fresh}`;
  return [{ id: 'signature-invalid', severity: 'error', message: result.verification.reason, fix }];
}
