/**
 * Table helpers on cli-table3. `columns` prints kubectl's borderless aligned columns
 * (NAME   STATUS   AGE); `details` prints a describe-style key/value block.
 * cli-table3 emits colour codes even when piped, so its own styles are always switched off:
 * colour is applied to cell text by the caller, only when RenderOptions.color allows.
 */
import Table from 'cli-table3';

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '   ',
};

function plainTable(head: string[] | undefined): Table.Table {
  return new Table({
    ...(head ? { head } : {}),
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
}

/** kubectl-style columns: upper-case headers, three spaces between columns, no trailing spaces. */
export function columns(headers: string[], rows: string[][]): string {
  const t = plainTable(headers.map((h) => h.toUpperCase()));
  for (const r of rows) t.push(r);
  return trimLines(t.toString()) + '\n';
}

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

function trimLines(s: string): string {
  return s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}
