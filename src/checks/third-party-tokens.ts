/**
 * third-party-tokens: the tokens a container holds for someone other than the API server — the
 * projected tokens identity webhooks and meshes inject (EKS IRSA and Pod Identity, Azure Workload
 * Identity, Istio, Linkerd, a Vault audience) — and their own health: the file is there, unexpired
 * and rotating, and the env variable the SDK reads points at it (not at the API token). It also
 * names a webhook that did not inject a token the pod is set up to expect, and a token file that
 * is a copy (a Secret, an emptyDir, a hostPath) which nothing rotates. `diagnose --path FILE` adds
 * any file to judge: where it is mounted from, its expiry and its rotation.
 * A pod without such tokens, or with healthy ones, passes.
 */
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import { parseToken } from '../jwt/parse.js';
import { THIRD_PARTY_KINDS, thirdPartyByAudience, thirdPartyByEnv, thirdPartyByVolume, type ThirdPartyKind } from '../jwt/third-party.js';
import type { CheckContext } from './context.js';
import { restartPod, workloadRef } from './fixes.js';
import { cmd, literal, operand, patchObject, render, unprintable } from '../shell/command.js';
import { GKE_GSA_ANNOTATION, GKE_METADATA_LABEL, GKE_POOL_LABEL, gkeWorkloadIdentity } from './gke-workload-identity.js';
import { skipReason, span, when } from './format.js';
import { podRef, SA_DIR, serviceAccountName } from './spec.js';
import { refreshDue } from './token-rotation.js';
import type { Check } from './types.js';
import { fail, pass, skipFor, warn, type Verdict } from './verdict.js';

/** kube-apiserver's leeway on exp (KUBERNETES.md §2); the kubelet checks tokens about once a minute. */
const LEEWAY_MS = 60_000;
const GRACE_MS = 5 * 60_000;

/** The annotations and labels the injectors act on (cited in src/jwt/third-party.ts). */
const IRSA_ROLE = 'eks.amazonaws.com/role-arn';
const AZURE_USE = 'azure.workload.identity/use';
const AZURE_CLIENT_ID = 'azure.workload.identity/client-id';

/**
 * The ServiceAccount annotations and node labels this check reads. A scan indexes slim copies of
 * every ServiceAccount and node (src/commands/diagnose/scan.ts), which must keep these.
 */
export const THIRD_PARTY_READS = {
  serviceAccountAnnotations: [IRSA_ROLE, AZURE_CLIENT_ID, GKE_GSA_ANNOTATION],
  nodeLabels: [GKE_METADATA_LABEL, GKE_POOL_LABEL],
};

/** A token file the kubelet projects into the container (a serviceAccountToken source). */
interface Mounted {
  kind?: ThirdPartyKind;
  volume: string;
  /** The source's audience; undefined = the API audiences (an API token mounted elsewhere, --path only). */
  audience?: string;
  expirationSeconds: number;
  file: string;
}

/**
 * A token file on a volume that is not a projected token: a copy someone wrote once (an init
 * container into an emptyDir, `kubectl create token` into a Secret). The kubelet never refreshes
 * it, so it lives exactly as long as the token in it.
 */
interface Copy {
  file: string;
  volume: string;
  /** What the volume is, for the message: `Secret copied-token`, `an emptyDir`… */
  what: string;
  /** The volume's source field (`secret`, `emptyDir`…), which the fix removes. */
  source: string;
}

/** The volume the container sees `file` through: the mount whose path is the longest prefix of it. */
function volumeAt(pod: V1Pod, container: V1Container, file: string): { volume: V1Volume; dir: string; subPath?: string } | undefined {
  let best: { volume: V1Volume; dir: string; subPath?: string } | undefined;
  for (const m of container.volumeMounts ?? []) {
    const dir = m.mountPath.replace(/\/+$/, '');
    if (file !== dir && !file.startsWith(`${dir}/`)) continue;
    if (best && best.dir.length >= dir.length) continue;
    const volume = pod.spec?.volumes?.find((v) => v.name === m.name);
    if (volume) best = { volume, dir, ...(m.subPath ? { subPath: m.subPath } : {}) };
  }
  return best;
}

function describeVolume(v: V1Volume): string {
  if (v.secret) return `Secret ${v.secret.secretName ?? v.name}`;
  if (v.emptyDir) return 'an emptyDir';
  if (v.hostPath) return `hostPath ${v.hostPath.path}`;
  if (v.configMap) return `ConfigMap ${v.configMap.name ?? v.name}`;
  if (v.projected) return 'a projected volume with no serviceAccountToken source for this file';
  if (v.persistentVolumeClaim) return `PersistentVolumeClaim ${v.persistentVolumeClaim.claimName}`;
  return 'a volume';
}

/** `file` in the container: a projected token, a copy on another volume, or nothing mounted there. */
function locate(pod: V1Pod, container: V1Container, file: string): Mounted | Copy | undefined {
  const at = volumeAt(pod, container, file);
  if (!at) return undefined;
  const sat = at.volume.projected?.sources?.find((s) => s.serviceAccountToken)?.serviceAccountToken;
  const projectedFile = sat ? (at.subPath ? (at.subPath === sat.path ? at.dir : '') : `${at.dir}/${sat.path}`) : '';
  if (sat && projectedFile === file) {
    const kind = (sat.audience ? thirdPartyByAudience([sat.audience]) : undefined) ?? thirdPartyByVolume(at.volume.name);
    return { kind, volume: at.volume.name, audience: sat.audience, expirationSeconds: sat.expirationSeconds ?? 3600, file };
  }
  const source = Object.keys(at.volume).find((k) => k !== 'name' && (at.volume as unknown as Record<string, unknown>)[k] != null) ?? 'secret';
  return { file, volume: at.volume.name, what: describeVolume(at.volume), source };
}

export function thirdPartyMounts(pod: V1Pod, container: V1Container): Mounted[] {
  const out: Mounted[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    const sat = v.projected?.sources?.find((s) => s.serviceAccountToken)?.serviceAccountToken;
    // No audience = the API audiences: that is an API token, wherever it is mounted.
    if (!sat?.audience) continue;
    for (const m of container.volumeMounts ?? []) {
      if (m.name !== v.name) continue;
      const dir = m.mountPath.replace(/\/+$/, '');
      if (dir === SA_DIR) continue; // the audience check judges what sits at the API token's path
      const file = m.subPath ? (m.subPath === sat.path ? dir : '') : `${dir}/${sat.path}`;
      if (!file) continue;
      out.push({ kind: thirdPartyByAudience([sat.audience]) ?? thirdPartyByVolume(v.name), volume: v.name, audience: sat.audience, expirationSeconds: sat.expirationSeconds ?? 3600, file });
    }
  }
  return out;
}

/** What each injector offers when it did not inject (the provider's own commands, not kube-apiserver flags). */
function webhookFix(kind: ThirdPartyKind, ctx: CheckContext): string[] {
  const { namespace, name } = podRef(ctx.pod);
  const sa = serviceAccountName(ctx.pod);
  const workload = workloadRef(ctx.pod);
  switch (kind.id) {
    case 'eks-irsa': {
      // https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
      // The role the app already names in AWS_ROLE_ARN (the SDK's own variable) completes the fix;
      // without it the role is the operator's choice, left as a placeholder.
      const role = ctx.container.env?.find((e) => e.name === 'AWS_ROLE_ARN' && e.value)?.value;
      const roleWord = role !== undefined ? `${IRSA_ROLE}=${role}` : literal(`${IRSA_ROLE}=arn:aws:iam::<ACCOUNT_ID>:role/<ROLE_NAME>`);
      return [render(cmd('kubectl', 'annotate', 'serviceaccount', operand(sa), '-n', namespace, roleWord)), ...restartPod(ctx.pod)];
    }
    case 'eks-pod-identity':
      // https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html
      return [render(cmd('aws', 'eks', 'create-pod-identity-association', '--cluster-name', literal('<CLUSTER>'), '--namespace', namespace, '--service-account', sa, '--role-arn', literal('arn:aws:iam::<ACCOUNT_ID>:role/<ROLE_NAME>'))), ...restartPod(ctx.pod)];
    case 'azure-workload-identity': {
      // https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster: the pod label and the ServiceAccount's client-id annotation.
      const label = workload
        ? render(patchObject(workload, 'strategic', { spec: { template: { metadata: { labels: { [AZURE_USE]: 'true' } } } } }))
        : render([
            cmd('kubectl', 'get', 'pod', operand(name), '-n', namespace, '-o', 'json'),
            cmd('kubectl', 'label', '--local', '-f', '-', `${AZURE_USE}=true`, '-o', 'json'),
            cmd('kubectl', 'replace', '--force', '-f', '-'),
          ]);
      // The client id the app already names in AZURE_CLIENT_ID (the SDK's own variable), else a placeholder.
      const client = ctx.container.env?.find((e) => e.name === 'AZURE_CLIENT_ID' && e.value)?.value;
      const clientWord = client !== undefined ? `${AZURE_CLIENT_ID}=${client}` : literal(`${AZURE_CLIENT_ID}=<CLIENT_ID>`);
      return [render(cmd('kubectl', 'annotate', 'serviceaccount', operand(sa), '-n', namespace, clientWord, '--overwrite')), label];
    }
    default:
      return restartPod(ctx.pod);
  }
}

function setEnvFix(ctx: CheckContext, env: string, value: string): string[] {
  const { namespace, name } = podRef(ctx.pod);
  const workload = workloadRef(ctx.pod);
  const container = ctx.container.name;
  // A value (a mount path) a line cannot carry: the same change as a strategic merge patch, whose
  // JSON escapes carry it (containers and env merge by name).
  if (workload && unprintable(value)) {
    return [render(patchObject(workload, 'strategic', { spec: { template: { spec: { containers: [{ name: container, env: [{ name: env, value }] }] } } } }))];
  }
  const target = workload ? `${workload.kind.toLowerCase()}/${workload.name}` : `pod/${name}`;
  return [render(cmd('kubectl', 'set', 'env', operand(target), '-n', namespace, '-c', container, `${env}=${value}`))];
}

/**
 * A strategic merge patch that replaces a copy's volume with a projected token the kubelet rotates,
 * same name and mount. Volumes merge by name; the old source is set to null, which deletes it
 * (retainKeys would only clear it with an explicit `$retainKeys` directive, and a volume with two
 * sources is invalid: "may not specify more than 1 volume type").
 */
function projectFix(ctx: CheckContext, copy: Copy, audience: string | undefined, lifetime: number | undefined): string[] {
  const workload = workloadRef(ctx.pod);
  if (!workload) return [];
  const file = copy.file.split('/').pop()!;
  // The API server refuses less than 600 s (TokenRequest validation); 3600 s is its default.
  const expirationSeconds = lifetime && lifetime >= 600 ? lifetime : 3600;
  const volume = { name: copy.volume, [copy.source]: null, projected: { sources: [{ serviceAccountToken: { ...(audience ? { audience } : {}), expirationSeconds, path: file } }] } };
  return [render(patchObject(workload, 'strategic', { spec: { template: { spec: { volumes: [volume] } } } }))];
}

/** Who reads a file: the env variable that points at it, if any. */
interface Reader {
  env: string;
  kind: ThirdPartyKind;
}

async function run(ctx: CheckContext): Promise<Verdict> {
  if (ctx.podUnknown) return skipFor(ctx.podUnknown);
  const mounts = thirdPartyMounts(ctx.pod, ctx.container);
  const copies: Array<Copy & { reader?: Reader }> = [];
  const evidence: string[] = [];
  const failures: Array<{ message: string; fix: string[] }> = [];
  const warnings: Array<{ message: string; fix: string[] }> = [];
  const audienceText = (m: Mounted) => m.audience ?? "the API server's (no audience set)";
  const describe = (m: Mounted) =>
    `${m.kind ? m.kind.name : m.audience ? 'a token for a third party' : 'an API token'}: volume ${m.volume}, audience ${audienceText(m)}, ${m.expirationSeconds}s, at ${m.file}${m.kind ? ` — ${m.kind.purpose}; not meant for the API server` : ''}`;
  for (const m of mounts) evidence.push(describe(m));

  // The env variables the SDKs read: they must point at a mounted token of their own kind.
  const env = ctx.container.env ?? [];
  for (const e of env) {
    const kind = thirdPartyByEnv(e.name);
    if (!kind || e.value === undefined) continue;
    const path = e.value;
    const target = mounts.find((m) => m.file === path);
    evidence.push(`env ${e.name}=${path}${target ? ` (volume ${target.volume})` : ''}`);
    const own = mounts.find((m) => m.kind?.id === kind.id);
    if (path === `${SA_DIR}/token` || path.startsWith(`${SA_DIR}/`)) {
      failures.push({
        message: `${e.name} points at the Kubernetes API token ${path}: its audience is the API server's, so ${kind.verifier} refuses it (wrong audience; ${kind.name} expects ${kind.audiences[0]})`,
        fix: own ? setEnvFix(ctx, e.name, own.file) : webhookFix(kind, ctx),
      });
    } else if (!target) {
      const found = locate(ctx.pod, ctx.container, path);
      if (found && 'what' in found) {
        evidence.push(`${path}: on volume ${found.volume} (${found.what}), not a projected token`);
        copies.push({ ...found, reader: { env: e.name, kind } });
      } else if (found) {
        failures.push({ message: `${e.name} points at ${path}, an API token (volume ${found.volume} asks for no audience): ${kind.name} expects ${kind.audiences[0]}`, fix: own ? setEnvFix(ctx, e.name, own.file) : webhookFix(kind, ctx) });
      } else {
        failures.push({
          message: `${e.name} points at ${path}, but no token is mounted there: ${kind.name}'s webhook did not inject one (${injectionHint(kind, ctx)})`,
          fix: webhookFix(kind, ctx),
        });
      }
    } else if (target.kind && target.kind.id !== kind.id) {
      failures.push({ message: `${e.name} points at the ${target.kind.name} token ${path} (audience ${target.audience}); ${kind.name} expects ${kind.audiences[0]}`, fix: [] });
    }
  }

  // diagnose --path FILE: judge that file too, wherever it comes from.
  for (const path of ctx.options.paths ?? []) {
    if (path === `${SA_DIR}/token`) {
      evidence.push(`--path ${path}: the API token, judged by the other checks`);
      continue;
    }
    if (mounts.some((m) => m.file === path) || copies.some((c) => c.file === path)) continue;
    const found = locate(ctx.pod, ctx.container, path);
    if (!found) {
      const dirs = (ctx.container.volumeMounts ?? []).map((m) => m.mountPath).join(', ') || 'none';
      failures.push({ message: `nothing is mounted at ${path} in container ${ctx.container.name} (its mounts: ${dirs})`, fix: [] });
    } else if ('what' in found) {
      evidence.push(`--path ${path}: on volume ${found.volume} (${found.what}), not a projected token`);
      copies.push(found);
    } else {
      evidence.push(`--path ${describe(found)}`);
      mounts.push(found);
    }
  }

  // Set up for an injector that did not inject (the pod predates the annotation, or the label is missing).
  const sa = await ctx.data.serviceAccount();
  const saAnn = sa.ok && sa.value ? (sa.value.metadata?.annotations ?? {}) : {};
  const podLabels = ctx.pod.metadata?.labels ?? {};
  const has = (id: ThirdPartyKind['id']) => mounts.some((m) => m.kind?.id === id);
  const kindOf = (id: ThirdPartyKind['id']) => THIRD_PARTY_KINDS.find((k) => k.id === id)!;
  if (saAnn[IRSA_ROLE] && !has('eks-irsa') && !failures.length) {
    evidence.push(`serviceaccount ${serviceAccountName(ctx.pod)}: ${IRSA_ROLE}=${saAnn[IRSA_ROLE]}`);
    failures.push({ message: `ServiceAccount ${serviceAccountName(ctx.pod)} has ${IRSA_ROLE}, but the pod has no aws-iam-token: it was created before the annotation (or without the EKS pod identity webhook); only a new pod gets it`, fix: restartPod(ctx.pod) });
  }
  if (podLabels[AZURE_USE] === 'true' && !has('azure-workload-identity') && !failures.length) {
    failures.push({ message: `the pod is labelled ${AZURE_USE}=true but has no azure-identity-token: the Azure Workload Identity webhook did not mutate it (is it installed, and did the pod exist before it?)`, fix: restartPod(ctx.pod) });
  }
  if (saAnn[AZURE_CLIENT_ID] && podLabels[AZURE_USE] !== 'true' && !has('azure-workload-identity')) {
    evidence.push(`serviceaccount ${serviceAccountName(ctx.pod)}: ${AZURE_CLIENT_ID}=${saAnn[AZURE_CLIENT_ID]}; pod label ${AZURE_USE}: ${podLabels[AZURE_USE] ?? 'unset'}`);
    failures.push({ message: `ServiceAccount ${serviceAccountName(ctx.pod)} has ${AZURE_CLIENT_ID}, but the pod lacks the label ${AZURE_USE}=true: the webhook injects no token, so the Azure SDK finds no AZURE_FEDERATED_TOKEN_FILE`, fix: webhookFix(kindOf('azure-workload-identity'), ctx).slice(1) });
  }
  // GKE Workload Identity: no token to judge, but the node must run the GKE metadata server.
  const gke = await gkeWorkloadIdentity(ctx, saAnn);
  if (gke) evidence.push(gke.evidence);
  if (gke?.failure) failures.push(gke.failure);

  // Each token file's own health, when the files can be read (exec, or --self).
  let notRead: string | undefined;
  const files: Array<{ file: string; mounted?: Mounted; copy?: Copy & { reader?: Reader } }> = [
    ...mounts.map((m) => ({ file: m.file, mounted: m })),
    ...copies.map((c) => ({ file: c.file, copy: c })),
  ];
  for (const { file, mounted, copy } of files) {
    if (!ctx.data.tokenFile) {
      notRead = 'a scan reads no files (diagnose POD)';
      break;
    }
    const f = await ctx.data.tokenFile(file);
    if (!f.ok) {
      notRead = skipReason(f.why);
      continue;
    }
    const kind = mounted?.kind ?? copy?.reader?.kind;
    const what = kind?.name ?? (mounted ? (mounted.audience ? `the ${mounted.audience} token` : 'the API token') : `the token`);
    if (f.value.stat === null && !f.value.raw) {
      failures.push({ message: `${what} file ${file} is missing`, fix: copy ? [] : restartPod(ctx.pod) });
      continue;
    }
    if (!f.value.raw) continue;
    let exp: number | undefined;
    let iat: number | undefined;
    let aud: string[] = [];
    try {
      const c = parseToken(f.value.raw).claims;
      exp = c.exp;
      iat = c.iat;
      aud = c.aud === undefined ? [] : Array.isArray(c.aud) ? c.aud : [c.aud];
    } catch (e) {
      failures.push({ message: `${what} file ${file} is not a token (${e instanceof Error ? e.message : String(e)})`, fix: copy ? [] : restartPod(ctx.pod) });
      continue;
    }
    if (exp === undefined || iat === undefined) continue;
    const expires = new Date(exp * 1000);
    const issued = new Date(iat * 1000);
    const written = f.value.stat ? `, written ${when(f.value.stat.mtime, ctx.now)}` : '';
    const verifier = kind?.verifier ?? 'its verifier';
    if (copy) {
      // Nothing rotates a copy: it is good until its own exp, then refused for ever.
      const copied = copy.reader?.kind ?? thirdPartyByAudience(aud);
      const named = copied?.name ?? `the token (audience ${aud.join(', ') || 'none'})`;
      const refuser = copied?.verifier ?? 'its verifier';
      evidence.push(`${file}: audience ${aud.join(', ') || 'none'}, issued ${when(issued, ctx.now)}, expires ${when(expires, ctx.now)}${written}; nothing rotates it`);
      const own = copy.reader ? mounts.find((m) => m.kind?.id === copy.reader!.kind.id) : undefined;
      const fix = copy.reader
        ? own
          ? setEnvFix(ctx, copy.reader.env, own.file)
          : webhookFix(copy.reader.kind, ctx)
        : projectFix(ctx, copy, aud[0], exp - iat);
      const via = copy.reader ? `${copy.reader.env} points at ${file},` : `${file} is`;
      if (ctx.now.getTime() > expires.getTime() + LEEWAY_MS) {
        failures.push({ message: `${via} a copy on ${copy.what} (volume ${copy.volume}): nothing rotates it, and ${named} in it expired ${span(ctx.now.getTime() - expires.getTime())} ago, so ${refuser} refuses it`, fix });
      } else {
        warnings.push({ message: `${via} a copy on ${copy.what} (volume ${copy.volume}): nothing rotates it, so ${named} in it stops working when it expires ${when(expires, ctx.now)}`, fix });
      }
      continue;
    }
    const m = mounted!;
    const due = refreshDue(issued, expires.getTime() - issued.getTime());
    evidence.push(`${file}: issued ${when(issued, ctx.now)}, expires ${when(expires, ctx.now)}, refresh due ${when(due, ctx.now)}${written}`);
    if (ctx.now.getTime() > expires.getTime() + LEEWAY_MS) {
      const node = ctx.pod.spec?.nodeName ? ` on node ${ctx.pod.spec.nodeName}` : '';
      failures.push({ message: `${what} expired ${span(ctx.now.getTime() - expires.getTime())} ago and was not rotated: the kubelet${node} stopped refreshing ${m.volume}, and ${verifier} refuses it`, fix: restartPod(ctx.pod) });
    } else if (ctx.now.getTime() > due.getTime() + GRACE_MS) {
      warnings.push({ message: `${what} is overdue for rotation since ${span(ctx.now.getTime() - due.getTime())}: the kubelet is not refreshing ${m.volume}`, fix: restartPod(ctx.pod) });
    }
  }
  if (notRead && files.length) evidence.push(`token files not read: ${notRead}`);

  if (failures.length) return fail(failures.map((f) => f.message).join('; '), evidence, [...new Set(failures.flatMap((f) => f.fix))]);
  if (warnings.length) return warn(warnings.map((f) => f.message).join('; '), evidence, [...new Set(warnings.flatMap((f) => f.fix))]);
  const gkeOk = gke ? 'GKE Workload Identity: the node runs the GKE metadata server; ' : '';
  if (!files.length) return pass(`${gkeOk}no third-party token is mounted (IRSA, Pod Identity, Azure Workload Identity, Istio, Linkerd, …)`, evidence);
  const names = mounts.map((m) => m.kind?.name ?? m.audience ?? `the API token at ${m.file}`).join(', ');
  const forOthers = mounts.every((m) => m.audience) ? '; not meant for the API server, and not sent to it' : '';
  return pass(`${names}: mounted${notRead ? '' : ', unexpired and rotating'}${forOthers}`, evidence);
}

function injectionHint(kind: ThirdPartyKind, ctx: CheckContext): string {
  const sa = serviceAccountName(ctx.pod);
  switch (kind.id) {
    case 'eks-irsa':
      return `ServiceAccount ${sa} needs the annotation ${IRSA_ROLE}, set before the pod is created`;
    case 'eks-pod-identity':
      return `ServiceAccount ${sa} needs an EKS pod identity association, made before the pod is created`;
    case 'azure-workload-identity':
      return `the pod needs the label ${AZURE_USE}=true and ServiceAccount ${sa} the annotation ${AZURE_CLIENT_ID}`;
    default:
      return 'its injector did not run for this pod';
  }
}

export const thirdPartyTokens: Check = {
  id: 'third-party-tokens',
  title: 'Third-party tokens',
  specLevel: true,
  run,
  explain:
    'Identity webhooks and meshes mount a second ServiceAccount token with their own audience: EKS IRSA (sts.amazonaws.com, ' +
    'AWS_WEB_IDENTITY_TOKEN_FILE), EKS Pod Identity (pods.eks.amazonaws.com), Azure Workload Identity (api://AzureADTokenExchange, ' +
    'AZURE_FEDERATED_TOKEN_FILE), Istio (istio-ca), Linkerd (identity.l5d.io). Each is for its verifier, never for the API server; ' +
    'the webhooks inject them only into pods created after the ServiceAccount annotation (or pod label) is set, and the kubelet rotates them like the API token. ' +
    'GKE Workload Identity mounts no token: the GKE metadata server answers for the ServiceAccount\'s iam.gke.io/gcp-service-account, ' +
    'but only on nodes labelled iam.gke.io/gke-metadata-server-enabled=true; elsewhere the pod acts as the node.',
};
