/** The one output layer: result object → table, JSON or YAML text. */
import { TABLES } from './tables/index.js';
import type { RenderOptions } from './types.js';

export async function render(result: { kind: string }, opts: RenderOptions): Promise<string> {
  switch (opts.format) {
    case 'json':
      return JSON.stringify(result, null, 2) + '\n';
    case 'yaml':
      return toYaml(result);
    case 'table':
    case 'wide': {
      const table = TABLES[result.kind];
      return table ? table(result, opts) : toYaml(result);
    }
  }
}

/** YAML loaded on demand: most runs print tables and need not parse the yaml package. */
export async function toYaml(value: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
