/**
 * decode's flags → validated options, checked before anything is read. Exactly one token source;
 * the messages name the flags as the user typed them.
 */
import { UsageError } from '../../errors.js';

/** The mounted token's path in every container (KUBERNETES.md §3). */
export const DEFAULT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The flags as the cli parsed them (undefined = not given). */
export interface DecodeFlags {
  /** The positional TOKEN; `-` means stdin. */
  token?: string;
  /** -f/--filename; `-` means stdin, as kubectl's -f. */
  filename?: string;
  pod?: string;
  container?: string;
  path?: string;
  secret?: string;
  verify?: boolean;
  jwks?: string;
  audience?: string[];
  issuer?: string[];
  showToken?: boolean;
}

/** Where the token comes from. */
export type TokenSource =
  | { kind: 'argument'; token: string }
  | { kind: 'file'; path: string }
  | { kind: 'stdin' }
  /** The mounted token file of a running pod, read with `cat` over exec; container undefined = the default one. */
  | { kind: 'pod'; pod: string; container?: string; path: string }
  /** A legacy token Secret's data.token. */
  | { kind: 'secret'; name: string };

/** Where the issuer's keys come from, when the signature is to be checked. */
export type KeySource = { kind: 'cluster' } | { kind: 'file'; path: string };

export interface DecodeOptions {
  source: TokenSource;
  /** null = do not check the signature. */
  keys: KeySource | null;
  /** --audience: what the verifier expects (audience-mismatch). */
  audiences: string[];
  /** --issuer: the issuers the verifier accepts (issuer-mismatch); with --verify, default the cluster's. */
  issuers: string[];
  showToken: boolean;
}

const SOURCES = 'TOKEN, -f FILE, - (stdin), --pod NAME or --secret NAME';

export function decodeOptions(f: DecodeFlags): DecodeOptions {
  const given: Array<[string, TokenSource]> = [];
  if (f.token !== undefined) given.push(f.token === '-' ? ['- (stdin)', { kind: 'stdin' }] : ['TOKEN', { kind: 'argument', token: f.token }]);
  if (f.filename !== undefined) {
    if (f.filename === '') throw new UsageError('-f/--filename needs a file name (or - for stdin)');
    given.push(f.filename === '-' ? ['-f -', { kind: 'stdin' }] : ['-f', { kind: 'file', path: f.filename }]);
  }
  if (f.pod !== undefined) {
    if (f.pod === '') throw new UsageError('--pod needs a pod name');
    given.push(['--pod', { kind: 'pod', pod: f.pod, container: f.container, path: f.path ?? DEFAULT_TOKEN_PATH }]);
  }
  if (f.secret !== undefined) {
    if (f.secret === '') throw new UsageError('--secret needs a Secret name');
    given.push(['--secret', { kind: 'secret', name: f.secret }]);
  }
  if (given.length === 0) throw new UsageError(`no token given: pass one of ${SOURCES}`, 'kubectl satoken decode --help');
  if (given.length > 1) {
    throw new UsageError(`give exactly one token source, not ${given.map(([n]) => n).join(' and ')}`, `one of ${SOURCES}`);
  }
  if (f.pod === undefined) {
    if (f.container !== undefined) throw new UsageError('-c/--container is only for --pod');
    if (f.path !== undefined) throw new UsageError('--path is only for --pod');
  } else {
    if (f.container === '') throw new UsageError('-c/--container needs a container name');
    if (f.path === '') throw new UsageError('--path needs a file path inside the container');
  }

  if (f.jwks === '') throw new UsageError('--jwks needs a file name (a JWKS, e.g. from kubectl get --raw /openid/v1/jwks)');
  const keys: KeySource | null = f.jwks !== undefined ? { kind: 'file', path: f.jwks } : f.verify ? { kind: 'cluster' } : null;

  const audiences = f.audience ?? [];
  if (audiences.some((a) => a === '')) throw new UsageError('--audience must not be an empty string');
  const issuers = f.issuer ?? [];
  if (issuers.some((i) => i === '')) throw new UsageError('--issuer must not be an empty string');

  return { source: given[0][1], keys, audiences, issuers, showToken: Boolean(f.showToken) };
}
