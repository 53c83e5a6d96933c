/** The output layer's contract: one place turns a result object into text. */

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';

export interface RenderOptions {
  format: OutputFormat;
  /** ANSI colour (a TTY, no NO_COLOR, no --no-color). */
  color: boolean;
  /** The clock "now", for relative times (`expires in 41m`) in tables. */
  now: Date;
  /** --explain: tables add the "why it matters" text. */
  explain?: boolean;
}

/** A renderer of one result kind as a human table. JSON/YAML need none: they print the object. */
export type TableRenderer<T> = (result: T, opts: RenderOptions) => string;
