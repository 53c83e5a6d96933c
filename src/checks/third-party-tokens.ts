/**
 * third-party-tokens: the tokens a container holds for someone other than the API server — the
 * projected tokens identity webhooks and meshes inject (EKS IRSA and Pod Identity, Azure Workload
 * Identity, Istio, Linkerd, a Vault audience) — and their own health: the file is there, unexpired
 * and rotating, and the env variable the SDK reads points at it (not at the API token). It also
 * names a webhook that did not inject a token the pod is set up to expect.
 * A pod without such tokens, or with healthy ones, passes.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { parseToken } from '../jwt/parse.js';
import { THIRD_PARTY_KINDS, thirdPartyByAudience, thirdPartyByEnv, thirdPartyByVolume, type ThirdPartyKind } from '../jwt/third-party.js';
import type { CheckContext } from './context.js';
import { restartPod, shQuote } from './fixes.js';
import { skipReason, span, when } from './format.js';
import { ownerOf, podRef, SA_DIR, serviceAccountName } from './spec.js';
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

/** A third-party token file the container mounts. */
interface Mounted {
  kind?: ThirdPartyKind;
  volume: string;
  audience: string;
  expirationSeconds: number;
  file: string;
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
  const workload = ownerOf(ctx.pod).workload;
  switch (kind.id) {
    case 'eks-irsa':
      // https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
      return [`kubectl annotate serviceaccount ${sa} -n ${namespace} ${IRSA_ROLE}=arn:aws:iam::<ACCOUNT_ID>:role/<ROLE_NAME>`, ...restartPod(ctx.pod)];
    case 'eks-pod-identity':
      // https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html
      return [`aws eks create-pod-identity-association --cluster-name <CLUSTER> --namespace ${namespace} --service-account ${sa} --role-arn arn:aws:iam::<ACCOUNT_ID>:role/<ROLE_NAME>`, ...restartPod(ctx.pod)];
    case 'azure-workload-identity': {
      // https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster: the pod label and the ServiceAccount's client-id annotation.
      const label = workload && workload.kind !== 'Job'
        ? `kubectl patch ${workload.kind.toLowerCase()} ${workload.name} -n ${namespace} -p ${shQuote(JSON.stringify({ spec: { template: { metadata: { labels: { [AZURE_USE]: 'true' } } } } }))}`
        : `kubectl get pod ${name} -n ${namespace} -o json | kubectl label --local -f - ${AZURE_USE}=true -o json | kubectl replace --force -f -`;
      return [`kubectl annotate serviceaccount ${sa} -n ${namespace} ${AZURE_CLIENT_ID}=<CLIENT_ID> --overwrite`, label];
    }
    default:
      return restartPod(ctx.pod);
  }
}

function setEnvFix(ctx: CheckContext, env: string, value: string): string[] {
  const { namespace, name } = podRef(ctx.pod);
  const workload = ownerOf(ctx.pod).workload;
  const target = workload && workload.kind !== 'Job' ? `${workload.kind.toLowerCase()}/${workload.name}` : `pod/${name}`;
  return [`kubectl set env ${target} -n ${namespace} -c ${ctx.container.name} ${env}=${value}`];
}

async function run(ctx: CheckContext): Promise<Verdict> {
  if (ctx.podUnknown) return skipFor(ctx.podUnknown);
  const mounts = thirdPartyMounts(ctx.pod, ctx.container);
  const evidence: string[] = [];
  const failures: Array<{ message: string; fix: string[] }> = [];
  const warnings: Array<{ message: string; fix: string[] }> = [];
  for (const m of mounts) {
    evidence.push(`${m.kind ? m.kind.name : 'a token for a third party'}: volume ${m.volume}, audience ${m.audience}, ${m.expirationSeconds}s, at ${m.file}${m.kind ? ` — ${m.kind.purpose}; not meant for the API server` : ''}`);
  }

  // The env variables the SDKs read: they must point at a mounted token of their own kind.
  const env = ctx.container.env ?? [];
  for (const e of env) {
    const kind = thirdPartyByEnv(e.name);
    if (!kind || e.value === undefined) continue;
    const path = e.value;
    const target = mounts.find((m) => m.file === path);
    evidence.push(`env ${e.name}=${path}${target ? ` (volume ${target.volume})` : ''}`);
    if (path === `${SA_DIR}/token` || path.startsWith(`${SA_DIR}/`)) {
      const own = mounts.find((m) => m.kind?.id === kind.id);
      failures.push({
        message: `${e.name} points at the Kubernetes API token ${path}: its audience is the API server's, so ${kind.name} refuses it (wrong audience; it expects ${kind.audiences[0]})`,
        fix: own ? setEnvFix(ctx, e.name, own.file) : webhookFix(kind, ctx),
      });
    } else if (!target) {
      failures.push({
        message: `${e.name} points at ${path}, but no token is mounted there: ${kind.name}'s webhook did not inject one (${injectionHint(kind, ctx)})`,
        fix: webhookFix(kind, ctx),
      });
    } else if (target.kind && target.kind.id !== kind.id) {
      failures.push({ message: `${e.name} points at the ${target.kind.name} token ${path} (audience ${target.audience}); ${kind.name} expects ${kind.audiences[0]}`, fix: [] });
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

  // Each mounted token's own health, when the files can be read (exec, or --self).
  let notRead: string | undefined;
  for (const m of mounts) {
    if (!ctx.data.tokenFile) {
      notRead = 'a scan reads no files (diagnose POD)';
      break;
    }
    const f = await ctx.data.tokenFile(m.file);
    if (!f.ok) {
      notRead = skipReason(f.why);
      continue;
    }
    const what = m.kind?.name ?? `the ${m.audience} token`;
    if (f.value.stat === null && !f.value.raw) {
      failures.push({ message: `${what} file ${m.file} is missing`, fix: restartPod(ctx.pod) });
      continue;
    }
    if (!f.value.raw) continue;
    let exp: number | undefined;
    let iat: number | undefined;
    try {
      const c = parseToken(f.value.raw).claims;
      exp = c.exp;
      iat = c.iat;
    } catch (e) {
      failures.push({ message: `${what} file ${m.file} is not a token (${e instanceof Error ? e.message : String(e)})`, fix: restartPod(ctx.pod) });
      continue;
    }
    if (exp === undefined || iat === undefined) continue;
    const expires = new Date(exp * 1000);
    const issued = new Date(iat * 1000);
    const due = refreshDue(issued, expires.getTime() - issued.getTime());
    evidence.push(`${m.file}: issued ${when(issued, ctx.now)}, expires ${when(expires, ctx.now)}, refresh due ${when(due, ctx.now)}${f.value.stat ? `, written ${when(f.value.stat.mtime, ctx.now)}` : ''}`);
    if (ctx.now.getTime() > expires.getTime() + LEEWAY_MS) {
      const node = ctx.pod.spec?.nodeName ? ` on node ${ctx.pod.spec.nodeName}` : '';
      failures.push({ message: `${what} expired ${span(ctx.now.getTime() - expires.getTime())} ago and was not rotated: the kubelet${node} stopped refreshing ${m.volume}, and ${m.kind ? m.kind.purpose.split(' ')[0] : 'its verifier'} refuses it`, fix: restartPod(ctx.pod) });
    } else if (ctx.now.getTime() > due.getTime() + GRACE_MS) {
      warnings.push({ message: `${what} is overdue for rotation since ${span(ctx.now.getTime() - due.getTime())}: the kubelet is not refreshing ${m.volume}`, fix: restartPod(ctx.pod) });
    }
  }
  if (notRead && mounts.length) evidence.push(`token files not read: ${notRead}`);

  if (failures.length) return fail(failures.map((f) => f.message).join('; '), evidence, [...new Set(failures.flatMap((f) => f.fix))]);
  if (warnings.length) return warn(warnings.map((f) => f.message).join('; '), evidence, [...new Set(warnings.flatMap((f) => f.fix))]);
  if (!mounts.length) return pass('no third-party token is mounted (IRSA, Pod Identity, Azure Workload Identity, Istio, Linkerd, …)', evidence);
  const names = mounts.map((m) => m.kind?.name ?? m.audience).join(', ');
  return pass(`${names}: mounted${notRead ? '' : ', unexpired and rotating'}; not meant for the API server, and not sent to it`, evidence);
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
    'the webhooks inject them only into pods created after the ServiceAccount annotation (or pod label) is set, and the kubelet rotates them like the API token.',
};
