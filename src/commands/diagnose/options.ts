/** Flags → DiagnoseOptions, validated before any request (messages name the flag). */
import { SA_DIR } from '../../checks/spec.js';
import { UsageError } from '../../errors.js';
import type { AccessAttributes } from '../../kube/types.js';
import type { LogSource } from '../audit/read.js';
import type { DiagnoseOptions } from './types.js';

export interface DiagnoseFlags {
  pod?: string;
  container?: string;
  /** --can VERB RESOURCE, flattened: [verb, resource, verb, resource…]. */
  can?: string[];
  exec?: boolean;
  /** --path FILE, repeatable: token files to judge besides the API token. */
  paths?: string[];
  explain?: boolean;
  self?: boolean;
  allNamespaces?: boolean;
  selector?: string;
  deep?: boolean;
  namespace?: string;
  selfDir?: string;
  /** --audit-log FILE, opened by the cli. */
  auditLogs?: LogSource[];
  env?: Record<string, string | undefined>;
}

export function diagnoseOptions(f: DiagnoseFlags): DiagnoseOptions {
  const scan = !f.pod && !f.self;
  if (f.self && f.pod) throw new UsageError('--self diagnoses the pod it runs in: give no POD with it');
  if (f.self && (f.allNamespaces || f.selector)) throw new UsageError('--self cannot be combined with -A or -l');
  if (f.pod && f.allNamespaces) throw new UsageError('a POD cannot be combined with -A/--all-namespaces (use -n NAMESPACE)');
  if (f.pod && f.selector) throw new UsageError('a POD cannot be combined with -l/--selector');
  if (f.deep && !scan) throw new UsageError('--deep applies to scans only (diagnose POD always runs every check)');
  if (f.container && scan) throw new UsageError('-c/--container needs a POD');
  for (const p of f.paths ?? []) {
    if (scan) throw new UsageError('--path needs a POD (or --self): a scan reads no files');
    if (!p.startsWith('/')) throw new UsageError(`--path "${p}" is not an absolute path in the container (e.g. --path /var/run/secrets/eks.amazonaws.com/serviceaccount/token)`);
  }
  if (scan && f.auditLogs?.length) throw new UsageError('--audit-log needs a POD (or --self): it is searched for that pod\'s refused requests');
  if (f.allNamespaces && f.namespace) throw new UsageError('-A/--all-namespaces and -n/--namespace cannot be combined');
  return {
    mode: f.self ? 'self' : scan ? 'scan' : 'pod',
    pod: f.pod,
    container: f.container,
    can: parseCan(f.can ?? []),
    auditLogs: f.auditLogs ?? [],
    exec: f.exec !== false,
    paths: [...new Set((f.paths ?? []).map((p) => (p.length > 1 ? p.replace(/\/+$/, '') : p)))],
    explain: Boolean(f.explain),
    allNamespaces: Boolean(f.allNamespaces),
    selector: f.selector,
    deep: Boolean(f.deep),
    selfDir: f.selfDir ?? SA_DIR,
    selfPodName: f.env?.POD_NAME || f.env?.HOSTNAME || undefined,
  };
}

/** `--can get pods --can create pods/exec --can list deployments.apps` → access attributes. */
export function parseCan(words: string[]): AccessAttributes[] {
  if (words.length % 2 !== 0) throw new UsageError('--can takes two words: VERB RESOURCE (e.g. --can list pods)');
  const out: AccessAttributes[] = [];
  for (let i = 0; i < words.length; i += 2) {
    const verb = words[i].trim();
    const spec = words[i + 1].trim();
    const m = /^([a-z0-9*][a-z0-9-]*|\*)(?:\.([a-z0-9.-]+))?(?:\/([a-z0-9-]+))?$/.exec(spec);
    if (!/^[a-z*]+$/.test(verb) || !m) {
      throw new UsageError(`--can "${verb} ${spec}" is not VERB RESOURCE[.GROUP][/SUBRESOURCE] (e.g. --can list pods, --can create pods/exec)`);
    }
    out.push({ verb, resource: m[1], ...(m[2] ? { group: m[2] } : {}), ...(m[3] ? { subresource: m[3] } : {}) });
  }
  return out;
}
