/** The table renderer of each result kind. A kind without one prints as YAML in table mode. */
import type { TableRenderer } from '../types.js';
import { renderLegacyTokenReport } from './legacy-token-report.js';

export const TABLES: Record<string, TableRenderer<any>> = {
  LegacyTokenReport: renderLegacyTokenReport,
  LegacyTokenRestore: renderLegacyTokenReport,
};
