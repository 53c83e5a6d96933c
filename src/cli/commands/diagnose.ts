/** `kubectl satoken diagnose`: the troubleshooting guide, run against a pod, the pod it runs in, or a whole namespace/cluster. */
import { stat } from 'node:fs/promises';
import type { CliCommand, CommandOutput } from '../command.js';
import { resourceName } from '../resource-name.js';
import { diagnoseOptions } from '../../commands/diagnose/options.js';
import { runDiagnose } from '../../commands/diagnose/run.js';
import { logSources } from './audit.js';
import type { StatFile } from '../../commands/diagnose/readers.js';

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
/** A repeatable flag: yargs gives one value, or an array when repeated. */
const list = (v: unknown) => (v === undefined ? undefined : ([] as unknown[]).concat(v).flat().map(String));

/** --self's file times come from the real file system (the only fs use: the cli owns process access). */
const statFile: StatFile = async (path) => {
  try {
    const s = await stat(path);
    return { size: s.size, atime: s.atime, mtime: s.mtime };
  } catch {
    return undefined;
  }
};

export const diagnoseCommand: CliCommand = {
  command: 'diagnose [pod]',
  describe: "Find out why a pod's ServiceAccount token does not work, and print the commands that fix it",
  examples: [
    ['kubectl satoken diagnose web-7d4b9c-x2x9q -n shop', 'every check on one pod, the root cause, and the fix commands'],
    ['kubectl satoken diagnose web-7d4b9c-x2x9q -c app --can list pods --can get secrets', 'container app, and fail if its token may not list pods and get secrets'],
    ['kubectl satoken diagnose web-7d4b9c-x2x9q --audit-log audit.log', 'and fail rbac for what the pod\'s own requests were refused (403) in that audit log'],
    ['kubectl satoken diagnose web-7d4b9c-x2x9q --no-exec', 'without exec into the container (the checks that need the token skip)'],
    ['kubectl satoken diagnose web-7d4b9c-x2x9q --explain', 'with why each check matters and how Kubernetes behaves'],
    ['kubectl satoken diagnose s3-reader-0 -n shop', 'also judges its IRSA / Pod Identity / Azure Workload Identity / mesh tokens (third-party-tokens)'],
    ['kubectl satoken diagnose vault-sync-0 -n shop --path /var/run/secrets/vault/token', 'also judge that token file: what it is mounted from, its expiry and its rotation'],
    ['kubectl satoken diagnose web-7d4b9c-x2x9q -o json', 'the Diagnosis as JSON'],
    ['kubectl satoken diagnose --self', 'inside a pod: diagnose the pod itself from its own token files'],
    ['kubectl satoken diagnose --self --token-dir /var/run/secrets/tokens', 'inside a pod whose token is mounted elsewhere'],
    ['kubectl satoken diagnose -n shop', 'scan every pod of namespace shop (spec-level checks, a few LIST calls)'],
    ['kubectl satoken diagnose -A -l app=web', 'scan the pods labelled app=web in all namespaces'],
    ['kubectl satoken diagnose -n shop --deep', 'scan, and also exec and TokenReview each pod'],
  ],
  builder: (y) =>
    y
      .positional('pod', { type: 'string', describe: 'The pod to diagnose (namespace from -n); none = scan' })
      .option('container', { alias: 'c', type: 'string', describe: 'The container (default: the default-container annotation, else the first)' })
      .option('can', { type: 'string', nargs: 2, describe: 'VERB RESOURCE[.GROUP][/SUBRESOURCE] the app needs: rbac fails without it (repeatable)' })
      .option('exec', { type: 'boolean', default: true, describe: 'Exec into the container to read the token files (--no-exec: never)' })
      .option('path', { type: 'string', describe: 'Also judge this token file in the container: its mount, expiry and rotation (repeatable)' })
      .option('audit-log', { type: 'string', describe: 'A kube-apiserver audit log: the pod\'s own requests refused there (403) are rights it needs (repeatable)' })
      .option('explain', { type: 'boolean', describe: 'Add why each check matters and how Kubernetes behaves' })
      .option('self', { type: 'boolean', describe: 'Diagnose the pod this runs in, from its own service-account files' })
      .option('token-dir', {
        type: 'string',
        describe: 'With --self: the folder of the service-account files (default /var/run/secrets/kubernetes.io/serviceaccount)',
      })
      .option('all-namespaces', { alias: 'A', type: 'boolean', describe: 'Scan pods in all namespaces' })
      .option('selector', { alias: 'l', type: 'string', describe: 'Scan only pods matching this label selector' })
      .option('deep', { type: 'boolean', describe: 'Scan: also exec and TokenReview each pod (requests per pod)' }),

  async run(args, ctx): Promise<CommandOutput> {
    const opts = diagnoseOptions({
      pod: resourceName(str(args.pod), 'pod', 'diagnose'),
      container: str(args.container),
      can: list(args.can),
      paths: list(args.path),
      auditLogs: logSources(list(args['audit-log']) ?? [], ctx.sys),
      exec: args.exec !== false,
      explain: Boolean(args.explain),
      self: Boolean(args.self),
      allNamespaces: Boolean(args['all-namespaces']),
      selector: str(args.selector),
      deep: Boolean(args.deep),
      namespace: ctx.flags.namespace,
      env: ctx.deps.env,
      selfDir: str(args['token-dir']),
    });
    const outcome = await runDiagnose({ ...opts, stat: statFile }, ctx.deps);
    return { outcome };
  },
};
