/**
 * mint's flags → validated options, checked before any request. The messages are kubectl's own
 * (staging/src/k8s.io/kubectl/pkg/cmd/create/create_token.go, Validate) where kubectl has one, and
 * the API server's TokenRequest validation (pkg/apis/authentication/validation) for the duration
 * limits kubectl leaves to the server.
 */
import { UsageError } from '../../errors.js';
import type { TokenRequestSpec } from '../../kube/types.js';
import { parseGoDuration } from './duration.js';

/** Bound object kinds and their apiVersion, as kubectl's boundObjectKinds (Node GA in 1.33). */
export const BOUND_OBJECT_KINDS = { Node: 'v1', Pod: 'v1', Secret: 'v1' } as const;
export type BoundObjectKind = keyof typeof BOUND_OBJECT_KINDS;

/** TokenRequest limits (pkg/apis/authentication/validation): 10 minutes to 2^32 seconds. */
export const MIN_EXPIRATION_SECONDS = 600;
export const MAX_EXPIRATION_SECONDS = 2 ** 32;

/** What mint prints: the bare token (default), the TokenRequest object, a kubeconfig, or the decoded token. */
export type MintOutput = 'token' | 'json' | 'yaml' | 'kubeconfig' | 'decode';

/** The flags as the cli parsed them (undefined = not given). */
export interface MintFlags {
  serviceAccount?: string;
  audience?: string[];
  duration?: string;
  boundObjectKind?: string;
  boundObjectName?: string;
  boundObjectUid?: string;
  /** The -o value when the user gave one. */
  output?: string;
  decode?: boolean;
  outputFile?: string;
  force?: boolean;
}

export interface MintOptions {
  serviceAccount: string;
  audiences: string[];
  /** Undefined = the server's default (kubectl sends no expirationSeconds for 0 or no flag). */
  expirationSeconds?: number;
  boundObjectRef?: TokenRequestSpec['boundObjectRef'];
  output: MintOutput;
  /** With `output` token or kubeconfig: write there (mode 0600) instead of stdout. */
  outputFile?: string;
  /** Replace an existing outputFile (without it mint never overwrites). */
  force: boolean;
}

export function mintOptions(f: MintFlags): MintOptions {
  const serviceAccount = f.serviceAccount ?? '';
  if (serviceAccount === '') throw new UsageError('service account name is required', 'kubectl satoken mint SERVICEACCOUNT [-n NAMESPACE]');

  const expirationSeconds = f.duration === undefined ? undefined : durationSeconds(f.duration);

  const audiences = f.audience ?? [];
  if (audiences.some((a) => a === '')) throw new UsageError('--audience must not be an empty string');

  const kind = f.boundObjectKind ?? '';
  const name = f.boundObjectName ?? '';
  const uid = f.boundObjectUid ?? '';
  let boundObjectRef: MintOptions['boundObjectRef'];
  if (kind === '') {
    if (name !== '') throw new UsageError('--bound-object-name can only be set if --bound-object-kind is provided');
    if (uid !== '') throw new UsageError('--bound-object-uid can only be set if --bound-object-kind is provided');
  } else {
    if (!(kind in BOUND_OBJECT_KINDS)) {
      throw new UsageError(`supported --bound-object-kind values are ${Object.keys(BOUND_OBJECT_KINDS).sort().join(', ')}`);
    }
    if (name === '') throw new UsageError('--bound-object-name is required if --bound-object-kind is provided');
    boundObjectRef = { kind: kind as BoundObjectKind, apiVersion: 'v1', name, ...(uid !== '' ? { uid } : {}) };
  }

  const output = outputKind(f);
  if (f.outputFile !== undefined) {
    if (f.outputFile === '') throw new UsageError('--output-file must not be an empty string');
    if (output !== 'token' && output !== 'kubeconfig') {
      throw new UsageError('--output-file writes the token or the kubeconfig', 'use it without -o, or with -o kubeconfig');
    }
  } else if (f.force) {
    throw new UsageError('--force can only be set with --output-file');
  }

  return {
    serviceAccount,
    audiences,
    ...(expirationSeconds !== undefined ? { expirationSeconds } : {}),
    ...(boundObjectRef ? { boundObjectRef } : {}),
    output,
    ...(f.outputFile !== undefined ? { outputFile: f.outputFile } : {}),
    force: Boolean(f.force),
  };
}

/** `--duration` → whole seconds, or undefined for 0 (the server's default). */
function durationSeconds(text: string): number | undefined {
  let ns: number;
  try {
    ns = parseGoDuration(text);
  } catch (e) {
    throw new UsageError(`invalid argument "${text}" for "--duration" flag: ${(e as Error).message}`, 'use a duration such as 10m, 1h or 3600s');
  }
  if (ns < 0) throw new UsageError('--duration must be greater than or equal to 0');
  if (ns % 1e9 !== 0) throw new UsageError('--duration cannot be expressed in units less than seconds');
  const seconds = ns / 1e9;
  if (seconds === 0) return undefined;
  // kubectl leaves these two to the server; checking here saves a round trip and says which flag.
  if (seconds < MIN_EXPIRATION_SECONDS) {
    throw new UsageError(`--duration ${text}: may not specify a duration less than 10 minutes`, 'the API server refuses tokens shorter than 10m');
  }
  if (seconds > MAX_EXPIRATION_SECONDS) {
    throw new UsageError(`--duration ${text}: may not specify a duration larger than 2^32 seconds`);
  }
  return seconds;
}

function outputKind(f: MintFlags): MintOutput {
  const o = f.output;
  if (f.decode) {
    if (o === 'kubeconfig') throw new UsageError('--decode cannot be combined with -o kubeconfig');
    return 'decode';
  }
  switch (o) {
    case undefined:
      return 'token';
    case 'json':
    case 'yaml':
    case 'kubeconfig':
      return o;
    default:
      // -o table/wide: mint has no table of its own; the decoded token is what a table would show.
      throw new UsageError(`-o ${o} needs --decode (mint prints the token itself by default)`, `kubectl satoken mint SA --decode -o ${o}`);
  }
}
