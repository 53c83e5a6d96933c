// Renders the krew manifest from plugin.template.yaml: version, the subcommand list (from the cli's
// own commands, so it is never stale) and one platform entry per archive, with its sha256.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'plugin.template.yaml');

/**
 * What the committed plugin.yaml carries before a release has been built: not 64 hex digits, so
 * krew refuses it (`sha256 value … is not valid`) instead of installing something unchecked.
 */
export const SHA256_PLACEHOLDER = 'REPLACED-BY-npm-run-release';

/** Wraps `text` to `width` columns, each line prefixed with `indent`. */
export function wrap(text, width, indent, firstIndent = indent) {
  const lines = [];
  let line = firstIndent;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** ` - decode: what it does` list, wrapped to krew's 80 columns. */
export function renderCommands(commands) {
  return commands.map((c) => wrap(`${c.name}: ${c.describe}`, 80, '        ', '      - ')).join('\n');
}

/**
 * @param {{os: string, arch: string, uri: string, sha256: string, bin: string, files: string[]}[]} platforms
 */
export function renderPlatforms(platforms) {
  return platforms
    .map((p) =>
      [
        '  - selector:',
        '      matchLabels:',
        `        os: ${p.os}`,
        `        arch: ${p.arch}`,
        `    uri: ${p.uri}`,
        `    sha256: ${p.sha256}`,
        `    bin: ${p.bin}`,
        '    files:',
        ...p.files.flatMap((f) => [`    - from: ${f}`, '      to: .']),
      ].join('\n'),
    )
    .join('\n');
}

/** The manifest text. */
export async function renderManifest({ version, commands, platforms }) {
  const template = await readFile(TEMPLATE, 'utf8');
  const out = template
    .replaceAll('{{version}}', `v${version}`)
    .replace('{{commands}}', renderCommands(commands))
    .replace('{{platforms}}', renderPlatforms(platforms));
  const left = out.match(/\{\{\w+\}\}/);
  if (left) throw new Error(`plugin.template.yaml: ${left[0]} was not filled in`);
  return out;
}
