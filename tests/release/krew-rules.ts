/**
 * krew's own manifest rules, as kubernetes-sigs/krew applies them (internal/index/validation
 * ValidatePlugin + cmd/validate-krew-manifest), and its install steps for `kubectl krew install
 * --manifest=… --archive=…` (sha256 of the archive, file operations, bin, LICENSE) — so a manifest
 * that passes here is one krew-index's CI and `kubectl krew install` accept.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

export const API_VERSION = 'krew.googlecontainertools.github.com/v1alpha2';

/** Every <os,arch> krew supports (cmd/validate-krew-manifest allPlatforms). */
export const KREW_PLATFORMS: Array<{ os: string; arch: string }> = [
  ['windows', '386'], ['windows', 'amd64'], ['windows', 'arm64'],
  ['linux', '386'], ['linux', 'amd64'], ['linux', 'arm'], ['linux', 'arm64'], ['linux', 'ppc64le'],
  ['darwin', '386'], ['darwin', 'amd64'], ['darwin', 'arm64'],
].map(([os, arch]) => ({ os, arch }));

const WINDOWS_FORBIDDEN = ['CON', 'PRN', 'AUX', 'NUL', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`COM${n}`, `LPT${n}`])];
const LICENSE_FILES = ['license', 'license.txt', 'license.md', 'licenses', 'licenses.txt', 'licenses.md', 'copying', 'copying.txt'];

export interface Selector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> | null;
}
export interface FileOperation {
  from?: string;
  to?: string;
}
export interface Platform {
  selector?: Selector | null;
  uri?: string;
  sha256?: string;
  bin?: string;
  files?: FileOperation[] | null;
}
export interface Plugin {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    version?: string;
    homepage?: string;
    shortDescription?: string;
    description?: string;
    caveats?: string;
    platforms?: Platform[];
  };
}

export interface Verdict {
  errors: string[];
  /** What validate-krew-manifest only warns about (line lengths). */
  warnings: string[];
  plugin?: Plugin;
}

/** blang/semver's strict form after krew's mandatory `v`. */
const SEMVER =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const SHA256 = /^[a-f0-9]{64}$/;

/** metav1.LabelSelector matching against the labels {os, arch}. */
export function selectorMatches(sel: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    const ok =
      e.operator === 'In' ? inValues : e.operator === 'NotIn' ? !inValues : e.operator === 'Exists' ? has : e.operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  return true;
}

function validateSelector(sel: Selector | null | undefined): string | undefined {
  if (sel == null) return 'nil selector is not supported';
  if (sel.matchLabels == null && (sel.matchExpressions ?? []).length === 0) return 'empty selector is not supported';
  const keys = [...Object.keys(sel.matchLabels ?? {}), ...(sel.matchExpressions ?? []).map((e) => e.key)];
  for (const k of keys) if (k !== 'os' && k !== 'arch') return `key "${k}" not supported`;
  if (sel.matchLabels != null && Object.keys(sel.matchLabels).length === 0) return '`matchLabels` specified but empty';
  if (sel.matchExpressions != null && sel.matchExpressions.length === 0) return '`matchExpressions` specified but empty';
  for (const e of sel.matchExpressions ?? []) {
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) return `"${e.operator}" is not a valid selector operator`;
  }
  return undefined;
}

function validatePlatform(p: Platform, sha256Placeholder: string | undefined): string | undefined {
  if (!p.uri) return '`uri` has to be set';
  if (!p.sha256) return '`sha256` sum has to be set';
  if (!SHA256.test(p.sha256) && p.sha256 !== sha256Placeholder) return `\`sha256\` value ${p.sha256} is not valid, must match pattern ^[a-f0-9]{64}$`;
  if (!p.bin) return '`bin` has to be set';
  if (p.files != null) {
    if (p.files.length === 0) return '`files` has to be unspecified or non-empty';
    for (const op of p.files) {
      if (!op.from) return '`from` field has to be set';
      if (!op.to) return '`to` field has to be set';
    }
  }
  return validateSelector(p.selector);
}

function longLines(s: string | undefined, max: number): boolean {
  return (s ?? '').split('\n').some((l) => l.length > max && l.trim().includes(' '));
}

/**
 * Validates a manifest file's text as krew does. `sha256Placeholder` lets the committed manifest
 * (written before any release was built) carry that exact placeholder instead of a hash.
 */
export function validateManifest(text: string, fileName: string, opts: { sha256Placeholder?: string } = {}): Verdict {
  const errors: string[] = [];
  const warnings: string[] = [];
  const ext = path.extname(fileName);
  if (ext !== '.yaml') return { errors: [`expected manifest extension ".yaml" but found "${ext}"`], warnings };
  const name = path.basename(fileName, ext);

  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return { errors: doc.errors.map((e) => `failed to read plugin file: ${e.message}`), warnings };
  const p = doc.toJS() as Plugin;
  const fail = (m: string): Verdict => ({ errors: [...errors, m], warnings, plugin: p });

  if (p.apiVersion !== API_VERSION) return fail(`plugin manifest has apiVersion="${p.apiVersion}", not supported in this version of krew`);
  if (p.kind !== 'Plugin') return fail(`plugin manifest has kind="${p.kind}", but only "Plugin" is supported`);
  if (!/^[\w-]+$/.test(name) || WINDOWS_FORBIDDEN.some((f) => f.toLowerCase() === name.toLowerCase())) {
    return fail(`the plugin name "${name}" is not allowed, must match "^[\\w-]+$"`);
  }
  if (p.metadata?.name !== name) return fail(`plugin should be named "${name}", not "${p.metadata?.name}"`);
  const spec = p.spec ?? {};
  if (!spec.shortDescription) return fail('should have a short description');
  if (/[\r\n]/.test(spec.shortDescription)) return fail('should not have line breaks in short description');
  if (!spec.platforms || spec.platforms.length === 0) return fail('should have a platform specified');
  if (!spec.version) return fail('should have a version specified');
  if (!spec.version.startsWith('v')) return fail(`failed to parse plugin version: version string "${spec.version}" does not start with 'v'`);
  if (!SEMVER.test(spec.version)) return fail(`failed to parse plugin version: "${spec.version}" is not semver`);
  for (const [i, pl] of spec.platforms.entries()) {
    const err = validatePlatform(pl, opts.sha256Placeholder);
    if (err) return fail(`platform [${i}] is badly constructed: ${err}`);
  }
  for (const [i, pl] of spec.platforms.entries()) {
    if (!KREW_PLATFORMS.some((k) => selectorMatches(pl.selector!, k))) {
      return fail(`spec.platform[${i}]'s selector doesn't match any supported platforms`);
    }
  }
  for (const k of KREW_PLATFORMS) {
    const hits = spec.platforms.flatMap((pl, i) => (selectorMatches(pl.selector!, k) ? [i] : []));
    if (hits.length > 1) return fail(`overlapping platform selectors found: spec.platforms at indexes [${hits.join(' ')}] select os=${k.os}/arch=${k.arch}`);
  }
  if (longLines(spec.description, 80)) warnings.push('line length in `description` exceeds 80 characters');
  if (longLines(spec.shortDescription, 70)) warnings.push('line length in `shortDescription` exceeds 70 characters');
  if (longLines(spec.caveats, 80)) warnings.push('line length in `caveats` exceeds 80 characters');
  return { errors, warnings, plugin: p };
}

/** The platform entry krew picks for this os/arch (KREW_OS / KREW_ARCH). */
export function platformFor(plugin: Plugin, os: string, arch: string): Platform | undefined {
  return plugin.spec?.platforms?.find((pl) => pl.selector && selectorMatches(pl.selector, { os, arch }));
}

export const sha256File = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function isSubPath(base: string, target: string): boolean {
  const rel = path.relative(base, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function globToRegExp(glob: string): RegExp {
  return new RegExp('^' + glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*') + '$');
}

/** All regular files under `dir`, as paths relative to it. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(full).map((f) => path.join(e.name, f)));
    else if (e.isFile()) out.push(e.name);
  }
  return out;
}

/**
 * krew's file operations (internal/installation/move.go): each `from` (a glob, relative to the
 * unpacked archive) is moved into `to` (relative to the install dir), keeping its base name.
 * Returns the moves; throws on paths that escape either directory or match nothing.
 */
export function plannedMoves(extracted: string, installDir: string, files: FileOperation[]): Array<{ from: string; to: string }> {
  const moves: Array<{ from: string; to: string }> = [];
  const all = filesUnder(extracted);
  for (const op of files) {
    const fromGlob = path.join(extracted, op.from!);
    const toDir = path.join(installDir, op.to!);
    if (!isSubPath(extracted, fromGlob)) throw new Error(`can't move ${op.from}: it is outside the archive`);
    if (!isSubPath(installDir, toDir)) throw new Error(`can't move to ${op.to}: it is outside the install directory`);
    const re = globToRegExp(path.normalize(op.from!));
    const hits = all.filter((f) => re.test(f));
    if (hits.length === 0) throw new Error(`no file in the archive matches "${op.from}"`);
    for (const h of hits) moves.push({ from: path.join(extracted, h), to: path.join(toDir, path.basename(h)) });
  }
  return moves;
}

/** validate-krew-manifest's LICENSE check on an install directory. */
export function hasLicenseFile(installDir: string): boolean {
  return existsSync(installDir) && filesUnder(installDir).some((f) => LICENSE_FILES.includes(path.basename(f).toLowerCase()));
}

/** krew refuses a `bin` outside the install dir, missing, or (Unix) not executable. */
export function binProblem(installDir: string, bin: string, unix: boolean): string | undefined {
  const full = path.join(installDir, bin);
  if (!isSubPath(installDir, full)) return `bin "${bin}" is outside the install directory`;
  if (!existsSync(full)) return `bin "${bin}" was not installed`;
  if (unix && (statSync(full).mode & 0o111) === 0) return `bin "${bin}" is not executable`;
  return undefined;
}
