/** A describe-style key/value block (`Key:   value`), as `kubectl describe` prints. */

/** `Key:   value` lines, aligned; a value with several lines is indented under its key. */
export function details(pairs: Array<[string, string]>, indent = 0): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length + 1));
  const pad = ' '.repeat(indent);
  return pairs
    .map(([k, v]) => {
      const lines = v.split('\n');
      const head = `${pad}${(k + ':').padEnd(width)}  ${lines[0]}`;
      return [head, ...lines.slice(1).map((l) => `${pad}${' '.repeat(width + 2)}${l}`)].join('\n').trimEnd();
    })
    .join('\n') + '\n';
}
