/**
 * decode: read the token from its source, check it is a JWT (else a usage error, exit 2),
 * fetch the issuer keys when asked, and inspect it. Any error finding makes the outcome a
 * problem (exit 3). Never prints.
 */
import { UsageError } from '../../errors.js';
import { TokenFormatError } from '../../jwt/errors.js';
import { hasErrors, inspectToken } from '../../jwt/inspect.js';
import { parseToken } from '../../jwt/parse.js';
import type { TokenInspection } from '../../jwt/types.js';
import type { Deps, Outcome } from '../types.js';
import { loadKeys, type IssuerKeys } from './keys.js';
import type { DecodeOptions } from './options.js';
import { readToken } from './sources.js';

export async function run(options: DecodeOptions, deps: Deps): Promise<Outcome<TokenInspection>> {
  const read = await readToken(options.source, deps);
  // Malformed input fails here, before any cluster call for the keys.
  try {
    parseToken(read.text);
  } catch (e) {
    if (!(e instanceof TokenFormatError)) throw e;
    const hint = malformedHint(read.text, e) ?? (await fileHint(options, deps));
    throw new UsageError(`cannot decode the token from ${read.label} (${e.message})`, hint);
  }
  const keys: IssuerKeys | undefined = options.keys ? await loadKeys(options.keys, deps) : undefined;
  const issuers = options.issuers.length > 0 ? options.issuers : keys?.issuer ? [keys.issuer] : [];
  const inspection = await inspectToken(read.text, {
    now: deps.clock(),
    source: read.label,
    jwks: keys?.jwks,
    notCheckedReason: 'add --verify (the cluster\'s keys) or --jwks FILE to check it',
    expectedAudiences: options.audiences,
    expectedIssuers: issuers,
    showToken: options.showToken,
  });
  if (keys && inspection.verification.status !== 'not-checked') {
    inspection.verification.reason += `; keys from ${keys.from}`;
  }
  return { result: inspection, problem: hasErrors(inspection), notices: read.notices };
}

/** `decode sa.token.jwt`: an argument that fails as a token but names a file was meant as one. */
async function fileHint(options: DecodeOptions, deps: Deps): Promise<string | undefined> {
  const source = options.source;
  if (source.kind !== 'argument' || source.token.length > 4096 || !(await deps.io.exists(source.token))) return undefined;
  return `${source.token} is a file: to read the token from it, use -f ${source.token}`;
}

/** A Secret's data.token pasted as is is base64 of a JWT: say so. */
function malformedHint(text: string, e: TokenFormatError): string | undefined {
  if (e.problem !== 'segments' && e.problem !== 'base64url') return undefined;
  const t = text.trim();
  if (/^[A-Za-z0-9+/]+=*$/.test(t) && Buffer.from(t, 'base64').toString('latin1').startsWith('eyJ')) {
    return 'this is base64 of a token (a Secret\'s data.token): decode it first (base64 -d), or use --secret NAME';
  }
  return undefined;
}
