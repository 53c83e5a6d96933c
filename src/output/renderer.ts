/**
 * The output layer over a given set of table renderers: result object → table, JSON or YAML text.
 * render.ts gives it every command's tables; the start-up fast path gives it decode's alone, so
 * that `decode TOKEN` does not load the others (issue 8).
 */
import { needsYamlQuotes, terminalSafeDeep, terminalSafeJson } from './terminal-safe.js';
import type { RenderOptions, TableRenderer } from './types.js';

export type Render = (result: { kind: string }, opts: RenderOptions) => Promise<string>;

export function renderer(tables: Record<string, TableRenderer<any>>): Render {
  return async (result, opts) => {
    switch (opts.format) {
      case 'json':
        return terminalSafeJson(JSON.stringify(result, null, 2) + '\n');
      case 'yaml':
        return toYaml(result);
      case 'table':
      case 'wide': {
        const table = tables[result.kind];
        // Tables print strings as they are: untrusted ones are escaped first (terminal-safe.ts).
        return table ? table(terminalSafeDeep(result), opts) : toYaml(result);
      }
    }
  };
}

/**
 * YAML loaded on demand: most runs print tables and need not parse the yaml package. A string
 * holding a control character is double-quoted, where the package escapes C0 and we escape the rest
 * (terminalSafeJson's characters), so that YAML too reaches a terminal safe.
 */
export async function toYaml(value: unknown): Promise<string> {
  const { Document, visit } = await import('yaml');
  const doc = new Document(value, { aliasDuplicateObjects: false });
  let quoted = false;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && needsYamlQuotes(node.value)) {
        node.type = 'QUOTE_DOUBLE';
        quoted = true;
      }
    },
  });
  const text = doc.toString({ lineWidth: 0 });
  return quoted ? terminalSafeJson(text) : text;
}
