/** `diagnose`: one pod, the pod it runs in (--self), or a scan — chosen by the options. */
import { inspectToken } from '../../jwt/inspect.js';
import type { Deps, Outcome } from '../types.js';
import { diagnosePod, diagnoseSelf } from './pod.js';
import { diagnoseScan } from './scan.js';
import type { Diagnosis, DiagnosisList, DiagnoseOptions } from './types.js';

export async function runDiagnose(options: DiagnoseOptions, deps: Deps): Promise<Outcome<Diagnosis | DiagnosisList>> {
  switch (options.mode) {
    case 'pod':
      return diagnosePod(options, deps, inspectToken);
    case 'self':
      return diagnoseSelf(options, deps, inspectToken);
    case 'scan':
      return diagnoseScan(options, deps, inspectToken);
  }
}
