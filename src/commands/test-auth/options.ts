/**
 * test-auth's flags → options: one token source (decode's sources, plus --mint), the audiences to
 * test for, and the access to ask about.
 */
import { UsageError } from '../../errors.js';
import type { AccessAttributes } from '../../kube/types.js';
import { decodeOptions, type DecodeFlags, type TokenSource } from '../decode/options.js';

/** Where the token under test comes from: decode's sources, or a fresh TokenRequest. */
export type TestAuthSource = TokenSource | { kind: 'mint'; serviceAccount: string; audiences: string[] };

/** decode's token-source flags and --audience, as the cli parsed them, plus --mint and --can. */
export interface TestAuthFlags extends Pick<DecodeFlags, 'token' | 'filename' | 'pod' | 'container' | 'path' | 'secret' | 'audience'> {
  mint?: string;
  /** --can's words in pairs: VERB RESOURCE[.GROUP][/SUBRESOURCE], VERB …. */
  can?: string[];
}

export interface TestAuthOptions {
  source: TestAuthSource;
  /** Empty: the API server's own audiences. */
  audiences: string[];
  /** Asked with SelfSubjectAccessReviews as the token; a missing namespace becomes the token's. */
  can: AccessAttributes[];
}

export function testAuthOptions(f: TestAuthFlags): TestAuthOptions {
  const audiences = f.audience ?? [];
  if (audiences.some((a) => a === '')) throw new UsageError('--audience must not be an empty string');
  const can = parseCan(f.can ?? []);

  if (f.mint !== undefined) {
    const others = [f.token !== undefined && 'TOKEN', f.filename !== undefined && '-f', f.pod !== undefined && '--pod', f.secret !== undefined && '--secret'].filter(Boolean);
    if (others.length > 0) throw new UsageError(`give exactly one token source, not --mint and ${others.join(' and ')}`);
    if (f.mint === '') throw new UsageError('--mint needs a ServiceAccount name');
    return { source: { kind: 'mint', serviceAccount: f.mint, audiences }, audiences, can };
  }
  const { source } = decodeOptions({
    token: f.token,
    filename: f.filename,
    pod: f.pod,
    container: f.container,
    path: f.path,
    secret: f.secret,
  });
  return { source, audiences, can };
}

/** `list pods`, `get pods/log`, `patch deployments.apps/scale` → resource attributes. */
export function parseCan(words: string[]): AccessAttributes[] {
  if (words.length % 2 !== 0) throw new UsageError('--can takes two words: VERB RESOURCE[/SUBRESOURCE], e.g. --can list pods');
  const out: AccessAttributes[] = [];
  for (let i = 0; i < words.length; i += 2) {
    const verb = words[i];
    const m = /^([a-z0-9*-]+)(?:\.([a-z0-9.-]+))?(?:\/([a-z0-9*-]+))?$/i.exec(words[i + 1]);
    if (!/^[a-z*]+$/i.test(verb) || !m) {
      throw new UsageError(`--can ${verb} ${words[i + 1]}: expected VERB RESOURCE[.GROUP][/SUBRESOURCE], e.g. --can list pods or --can get deployments.apps/scale`);
    }
    out.push({ verb, resource: m[1], ...(m[2] ? { group: m[2] } : {}), ...(m[3] ? { subresource: m[3] } : {}) });
  }
  return out;
}
