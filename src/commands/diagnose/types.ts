/** The results `diagnose` returns (what -o json|yaml prints) and the options it runs with. */
import type { Summary } from '../../checks/runner.js';
import type { CheckId, CheckResult, CheckStatus } from '../../checks/types.js';
import type { AccessAttributes } from '../../kube/types.js';
import type { LogSource } from '../audit/read.js';
import type { StatFile } from './readers.js';

export interface DiagnosedPod {
  namespace: string;
  name: string;
  serviceAccountName: string;
  /** null when the pod is not scheduled. */
  node: string | null;
  /** The container whose token was examined. */
  container: string;
}

/** One pod's diagnosis: `kind: Diagnosis`. */
export interface Diagnosis extends Summary {
  kind: 'Diagnosis';
  pod: DiagnosedPod;
  checks: CheckResult[];
}

/** A scan's row: the pod, its status and root cause, and the status of each check (no evidence: scans are big). */
export interface ScanItem extends Summary {
  kind: 'Diagnosis';
  pod: DiagnosedPod;
  checks: Array<Pick<CheckResult, 'id' | 'status' | 'message'>>;
}

/** A scan: `kind: DiagnosisList`. Items are every pod scanned, failing ones first. */
export interface DiagnosisList {
  kind: 'DiagnosisList';
  items: Array<Diagnosis | ScanItem>;
  /**
   * `inconclusive`: pods with nothing failing whose token was not proven to work; `specOnly`: pods
   * whose token the scan never read (all of them without --deep), judged on their spec alone.
   */
  summary: { pods: number; healthy: number; degraded: number; failing: number; inconclusive: number; specOnly: number };
  /** Checks not run in this scan, and why (exec-level checks need `diagnose POD` or --deep). */
  notRun?: Array<{ id: CheckId; reason: string }>;
}

export interface DiagnoseOptions {
  mode: 'pod' | 'self' | 'scan';
  /** The pod (mode `pod`). */
  pod?: string;
  /** -c: the container; default: kubectl's default-container annotation, else the first. */
  container?: string;
  /** --can VERB RESOURCE, parsed. */
  can: AccessAttributes[];
  /** --path FILE: token files the third-party-tokens check judges besides those it finds. */
  paths: string[];
  /** --audit-log FILE: kube-apiserver audit logs in which to find the pod's requests refused with 403. */
  auditLogs: LogSource[];
  /** false with --no-exec. */
  exec: boolean;
  /** --explain: add each check's explanation. */
  explain: boolean;
  /** Scan: -A. */
  allNamespaces: boolean;
  /** Scan: -l. */
  selector?: string;
  /** Scan: also exec and TokenReview each pod (one request chain per pod). */
  deep: boolean;
  /** --self: the service-account directory to read (injectable for tests). */
  selfDir: string;
  /** --self: the pod's name (POD_NAME, else HOSTNAME). */
  selfPodName?: string;
  /** --self: stat of a file (the cli passes node:fs; absent = times unknown). */
  stat?: StatFile;
}

