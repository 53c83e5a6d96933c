/**
 * kubectl's borderless aligned columns (NAME   STATUS   AGE), on cli-table3. The describe-style
 * key/value block is in details.ts, which decode's start-up does not pay cli-table3 for (issue 8).
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

function trimLines(s: string): string {
  return s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}
