/** The table renderer of each result kind. A kind without one prints as YAML in table mode. */
import type { TableRenderer } from '../types.js';
import { authTestTable } from './auth-test.js';
import { renderDiagnosis, renderDiagnosisList } from './diagnosis.js';
import { renderLegacyTokenReport } from './legacy-token-report.js';
import { renderTokenAuditReport } from './token-audit-report.js';
import { renderTokenInspection } from './token-inspection.js';
import { whoamiTable } from './whoami.js';

export const TABLES: Record<string, TableRenderer<any>> = {
  AuthTest: authTestTable,
  Diagnosis: renderDiagnosis,
  DiagnosisList: renderDiagnosisList,
  LegacyTokenReport: renderLegacyTokenReport,
  LegacyTokenRestore: renderLegacyTokenReport,
  TokenAuditReport: renderTokenAuditReport,
  TokenInspection: renderTokenInspection,
  WhoAmI: whoamiTable,
};
