/**
 * What a fresh kubeadm cluster holds: the system namespaces, two Ready nodes, the bootstrap RBAC
 * policy, the legacy-token tracking ConfigMap, and the control-plane pods — among them the static
 * pod `kube-system/kube-apiserver-node-1` whose command shows the emulator's token flags.
 */
import { createHash } from 'node:crypto';
import { bootstrapPolicy } from './auth/bootstrap';
import type { Cluster } from './cluster';
import { ensureNamespaceDefaults } from './controllers/namespace';
import { createObject } from './objects';
import { VERSION_INFO } from './http/router';
import { randomSuffix, rfc3339 } from './store/store';
import type { KubeObject } from './store/types';

export const NODES = ['node-1', 'node-2'];
export const LEGACY_TRACKING_CONFIGMAP = 'kube-apiserver-legacy-service-account-token-tracking';
const KUBE_VERSION = VERSION_INFO.gitVersion;
const NODE_IPS: Record<string, string> = { 'node-1': '192.168.49.2', 'node-2': '192.168.49.3' };

export function nodeObject(name: string, now: string, controlPlane: boolean): KubeObject {
  const h = createHash('sha256').update(name).digest('hex');
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...(controlPlane ? { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
      },
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: `10.244.${NODES.indexOf(name)}.0/24`, podCIDRs: [`10.244.${NODES.indexOf(name)}.0/24`] },
    status: {
      capacity: { cpu: '2', 'ephemeral-storage': '61202244Ki', memory: '8129452Ki', pods: '110' },
      allocatable: { cpu: '2', 'ephemeral-storage': '61202244Ki', memory: '8027052Ki', pods: '110' },
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: NODE_IPS[name] ?? '192.168.49.9' },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: h.slice(0, 32),
        systemUUID: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`,
        bootID: `${h.slice(32, 40)}-${h.slice(40, 44)}-${h.slice(44, 48)}-${h.slice(48, 52)}-${h.slice(52, 64)}`,
        kernelVersion: '6.8.0-49-generic',
        osImage: 'Ubuntu 22.04.5 LTS',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: KUBE_VERSION,
        kubeProxyVersion: KUBE_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/** Go's time.Duration.String() for whole seconds ("1h0m0s", "10m0s", "45s"). */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

/** The kube-apiserver command line the emulator's options correspond to. */
export function apiServerCommand(cluster: Cluster): string[] {
  const o = cluster.options;
  const cmd = [
    'kube-apiserver',
    `--advertise-address=${NODE_IPS['node-1']}`,
    '--allow-privileged=true',
    '--authorization-mode=Node,RBAC',
    '--client-ca-file=/etc/kubernetes/pki/ca.crt',
    '--enable-admission-plugins=NodeRestriction',
    '--enable-bootstrap-token-auth=true',
    '--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt',
    '--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt',
    '--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key',
    '--etcd-servers=https://127.0.0.1:2379',
    '--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt',
    '--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key',
    '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
    '--secure-port=6443',
  ];
  for (const iss of o.issuers) cmd.push(`--service-account-issuer=${iss}`);
  if (o.apiAudiencesGiven) cmd.push(`--api-audiences=${o.apiAudiences.join(',')}`);
  cmd.push('--service-account-key-file=/etc/kubernetes/pki/sa.pub');
  cmd.push('--service-account-signing-key-file=/etc/kubernetes/pki/sa.key');
  if (o.maxTokenExpirationSeconds !== undefined) cmd.push(`--service-account-max-token-expiration=${goDuration(o.maxTokenExpirationSeconds)}`);
  cmd.push(`--service-account-extend-token-expiration=${o.extendTokenExpiration}`);
  cmd.push('--service-cluster-ip-range=10.96.0.0/12', '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt', '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key');
  return cmd;
}

function staticPod(cluster: Cluster, component: string, command: string[], now: string): KubeObject {
  const node = cluster.get('', 'nodes', undefined, 'node-1')!;
  const hash = createHash('md5').update(command.join(' ')).digest('hex');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${component}-node-1`,
      namespace: 'kube-system',
      labels: { component, tier: 'control-plane' },
      annotations: {
        ...(component === 'kube-apiserver' ? { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${NODE_IPS['node-1']}:6443` } : {}),
        'kubernetes.io/config.hash': hash,
        'kubernetes.io/config.mirror': hash,
        'kubernetes.io/config.seen': now,
        'kubernetes.io/config.source': 'file',
      },
      ownerReferences: [{ apiVersion: 'v1', controller: true, kind: 'Node', name: 'node-1', uid: node.metadata.uid! }],
    },
    spec: {
      containers: [
        {
          name: component,
          image: `registry.k8s.io/${component}:${KUBE_VERSION}`,
          imagePullPolicy: 'IfNotPresent',
          command,
          resources: { requests: { cpu: '250m' } },
          volumeMounts: [
            { mountPath: '/etc/ssl/certs', name: 'ca-certs', readOnly: true },
            { mountPath: '/etc/kubernetes/pki', name: 'k8s-certs', readOnly: true },
          ],
        },
      ],
      hostNetwork: true,
      nodeName: 'node-1',
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      restartPolicy: 'Always',
      volumes: [
        { hostPath: { path: '/etc/ssl/certs', type: 'DirectoryOrCreate' }, name: 'ca-certs' },
        { hostPath: { path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate' }, name: 'k8s-certs' },
      ],
    },
  };
}

function systemWorkloads(cluster: Cluster, now: string): void {
  const ns = 'kube-system';
  for (const sa of ['coredns', 'kube-proxy']) {
    createObject(cluster, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: ns } });
  }
  for (const [component, command] of [
    ['etcd', ['etcd', '--data-dir=/var/lib/etcd', `--listen-client-urls=https://127.0.0.1:2379,https://${NODE_IPS['node-1']}:2379`]],
    ['kube-apiserver', apiServerCommand(cluster)],
    ['kube-controller-manager', ['kube-controller-manager', '--controllers=*,bootstrapsigner,tokencleaner', '--service-account-private-key-file=/etc/kubernetes/pki/sa.key', '--use-service-account-credentials=true']],
    ['kube-scheduler', ['kube-scheduler', '--kubeconfig=/etc/kubernetes/scheduler.conf', '--leader-elect=true']],
  ] as Array<[string, string[]]>) {
    createObject(cluster, staticPod(cluster, component, command, now));
  }
  // CoreDNS: Deployment → ReplicaSet → 2 pods, owner references as the controllers set them.
  const labels = { 'k8s-app': 'kube-dns' };
  const podSpec = {
    serviceAccountName: 'coredns',
    containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.3', args: ['-conf', '/etc/coredns/Corefile'] }],
    priorityClassName: 'system-cluster-critical',
  };
  const deploy = createObject(cluster, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: ns, labels },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } },
    status: { replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 1 },
  });
  const hash = '668d6bf9bc';
  const rs = createObject(cluster, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `coredns-${hash}`,
      namespace: ns,
      labels: { ...labels, 'pod-template-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'coredns', uid: deploy.metadata.uid!, controller: true, blockOwnerDeletion: true } as any],
    },
    spec: { replicas: 2, selector: { matchLabels: { ...labels, 'pod-template-hash': hash } }, template: { metadata: { labels: { ...labels, 'pod-template-hash': hash } }, spec: podSpec } },
    status: { replicas: 2, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1 },
  });
  for (let i = 0; i < 2; i++) {
    createObject(cluster, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `coredns-${hash}-${randomSuffix()}`,
        namespace: ns,
        labels: { ...labels, 'pod-template-hash': hash },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true } as any],
      },
      spec: structuredClone(podSpec),
    });
  }
  // kube-proxy: a DaemonSet pod per node.
  const dsLabels = { 'k8s-app': 'kube-proxy' };
  const dsSpec = { serviceAccountName: 'kube-proxy', hostNetwork: true, containers: [{ name: 'kube-proxy', image: `registry.k8s.io/kube-proxy:${KUBE_VERSION}`, command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'] }], priorityClassName: 'system-node-critical' };
  const ds = createObject(cluster, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'kube-proxy', namespace: ns, labels: dsLabels },
    spec: { selector: { matchLabels: dsLabels }, template: { metadata: { labels: dsLabels }, spec: dsSpec } },
    status: { currentNumberScheduled: 2, desiredNumberScheduled: 2, numberAvailable: 2, numberReady: 2, updatedNumberScheduled: 2, numberMisscheduled: 0, observedGeneration: 1 },
  });
  for (const node of NODES) {
    createObject(cluster, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `kube-proxy-${randomSuffix()}`,
        namespace: ns,
        labels: { ...dsLabels, 'controller-revision-hash': '7bb84c4984', 'pod-template-generation': '1' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-proxy', uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true } as any],
      },
      spec: { ...structuredClone(dsSpec), nodeName: node },
    });
  }
}

export function bootstrapCluster(cluster: Cluster): void {
  const now = rfc3339(cluster.clock.now());
  const t = (g: string, r: string) => cluster.type(g, r);
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    cluster.store.create(t('', 'namespaces'), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    ensureNamespaceDefaults(cluster, ns);
  }
  NODES.forEach((n, i) => cluster.store.create(t('', 'nodes'), nodeObject(n, now, i === 0)));
  const policy = bootstrapPolicy();
  for (const r of policy.clusterRoles) cluster.store.create(t('rbac.authorization.k8s.io', 'clusterroles'), r);
  for (const b of policy.clusterRoleBindings) cluster.store.create(t('rbac.authorization.k8s.io', 'clusterrolebindings'), b);
  // Legacy token tracking (GA 1.28): the date since which last-used labels are kept.
  cluster.store.create(t('', 'configmaps'), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: LEGACY_TRACKING_CONFIGMAP, namespace: 'kube-system' },
    data: { since: now.slice(0, 10) },
  });
  systemWorkloads(cluster, now);
}
