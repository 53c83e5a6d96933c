/** The table renderer of each result kind. A kind without one prints as YAML in table mode. */
import type { TableRenderer } from '../types.js';

export const TABLES: Record<string, TableRenderer<any>> = {};
