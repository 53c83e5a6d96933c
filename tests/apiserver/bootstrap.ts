/**
 * What a fresh cluster holds: the system namespaces, the profile's Ready nodes, the bootstrap RBAC
 * policy, the legacy-token tracking ConfigMap, the kube-system add-ons, and the control-plane pods
 * as the profile's users see them — kubeadm's static pod `kube-system/kube-apiserver-node-1` whose
 * command shows the emulator's token flags, OpenShift's `openshift-kube-apiserver/kube-apiserver-<node>`
 * whose flags live in the `config` ConfigMap, or nothing on managed control planes and k3s.
 */
import { createHash } from 'node:crypto';
import { bootstrapPolicy } from './auth/bootstrap';
import type { Cluster } from './cluster';
import { ensureNamespaceDefaults } from './controllers/namespace';
import { createObject } from './objects';
import { VERSION_INFO } from './http/router';
import { randomSuffix, rfc3339 } from './store/store';
import type { KubeObject } from './store/types';
import { VIEWER_GROUP, type Profile, type ProfileNode } from './profiles';
import { awsAuthMapUsers } from './auth/providers';
import { EKS_ACCOUNT } from './profiles/eks';

export const LEGACY_TRACKING_CONFIGMAP = 'kube-apiserver-legacy-service-account-token-tracking';
const KUBE_VERSION = VERSION_INFO.gitVersion;

/** The node the control plane runs on (kubeadm's and OpenShift's static pods), or the first node. */
export function controlPlaneNode(profile: Profile): ProfileNode {
  return profile.nodes.find((n) => n.controlPlane) ?? profile.nodes[0]!;
}

export function nodeObject(node: ProfileNode, now: string, index: number, profile: Profile): KubeObject {
  const { name } = node;
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
        ...node.labels,
      },
      annotations: {
        // kubeadm records the CRI socket on the nodes it joins (cmd/kubeadm/app/constants: AnnotationKubeadmCRISocket).
        ...(profile.name === 'kubeadm' ? { 'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/containerd/containerd.sock' } : {}),
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: `10.244.${index}.0/24`, podCIDRs: [`10.244.${index}.0/24`] },
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
        { type: 'InternalIP', address: node.internalIP },
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
    `--advertise-address=${controlPlaneNode(o.profile).internalIP}`,
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
  const cp = controlPlaneNode(cluster.options.profile);
  const node = cluster.get('', 'nodes', undefined, cp.name)!;
  const hash = createHash('md5').update(command.join(' ')).digest('hex');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${component}-${cp.name}`,
      namespace: 'kube-system',
      labels: { component, tier: 'control-plane' },
      annotations: {
        ...(component === 'kube-apiserver' ? { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${cp.internalIP}:6443` } : {}),
        'kubernetes.io/config.hash': hash,
        'kubernetes.io/config.mirror': hash,
        'kubernetes.io/config.seen': now,
        'kubernetes.io/config.source': 'file',
      },
      ownerReferences: [{ apiVersion: 'v1', controller: true, kind: 'Node', name: cp.name, uid: node.metadata.uid! }],
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
      nodeName: cp.name,
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

function kubeadmControlPlane(cluster: Cluster, now: string): void {
  for (const [component, command] of [
    ['etcd', ['etcd', '--data-dir=/var/lib/etcd', `--listen-client-urls=https://127.0.0.1:2379,https://${controlPlaneNode(cluster.options.profile).internalIP}:2379`]],
    ['kube-apiserver', apiServerCommand(cluster)],
    ['kube-controller-manager', ['kube-controller-manager', '--controllers=*,bootstrapsigner,tokencleaner', '--service-account-private-key-file=/etc/kubernetes/pki/sa.key', '--use-service-account-credentials=true']],
    ['kube-scheduler', ['kube-scheduler', '--kubeconfig=/etc/kubernetes/scheduler.conf', '--leader-elect=true']],
  ] as Array<[string, string[]]>) {
    createObject(cluster, staticPod(cluster, component, command, now));
  }
}

/**
 * The kube-apiserver flags an OpenShift cluster runs with, as its kube-apiserver-operator writes
 * them: not on the command line but in the `config` ConfigMap of openshift-kube-apiserver, key
 * config.yaml, a KubeAPIServerConfig (apiVersion kubecontrolplane.config.openshift.io/v1) whose
 * apiServerArguments map each flag to its values (openshift/cluster-kube-apiserver-operator
 * bindata/v4.1.0/config/defaultconfig.yaml, as copied into openshift/microshift's
 * KubeAPIServerConfig()).
 */
export function openshiftApiServerArguments(cluster: Cluster): Record<string, string[]> {
  const o = cluster.options;
  const args: Record<string, string[]> = {
    'service-account-issuer': [...o.issuers],
    'service-account-extend-token-expiration': [String(o.extendTokenExpiration)],
  };
  if (o.apiAudiencesGiven) args['api-audiences'] = [...o.apiAudiences];
  if (o.maxTokenExpirationSeconds !== undefined) args['service-account-max-token-expiration'] = [goDuration(o.maxTokenExpirationSeconds)];
  return args;
}

/**
 * OpenShift's kube-apiserver: a static pod per control-plane node in openshift-kube-apiserver,
 * named `kube-apiserver-<node>`, as openshift/cluster-kube-apiserver-operator
 * bindata/assets/kube-apiserver/pod.yaml lays it out (labels app=openshift-kube-apiserver,
 * apiserver=true, revision; the kube-apiserver container runs `/bin/bash -ec` with `exec
 * watch-termination … -- hyperkube kube-apiserver --openshift-config=…/configmaps/config/config.yaml`,
 * beside its cert-syncer, cert-regeneration-controller, insecure-readyz and check-endpoints containers).
 */
function openshiftControlPlane(cluster: Cluster, now: string): void {
  const ns = 'openshift-kube-apiserver';
  const cp = controlPlaneNode(cluster.options.profile);
  const node = cluster.get('', 'nodes', undefined, cp.name)!;
  const revision = '7';
  const config = { apiVersion: 'kubecontrolplane.config.openshift.io/v1', kind: 'KubeAPIServerConfig', apiServerArguments: openshiftApiServerArguments(cluster) };
  createObject(cluster, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config', namespace: ns }, data: { 'config.yaml': JSON.stringify(config) } });
  const image = 'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:' + createHash('sha256').update('hyperkube').digest('hex');
  const operatorImage = 'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:' + createHash('sha256').update('cluster-kube-apiserver-operator').digest('hex');
  const hash = createHash('md5').update(JSON.stringify(config)).digest('hex');
  const resourceDir = { mountPath: '/etc/kubernetes/static-pod-resources', name: 'resource-dir' };
  const certDir = { mountPath: '/etc/kubernetes/static-pod-certs', name: 'cert-dir' };
  const syncerKubeconfig = '--kubeconfig=/etc/kubernetes/static-pod-resources/configmaps/kube-apiserver-cert-syncer-kubeconfig/kubeconfig';
  createObject(cluster, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `kube-apiserver-${cp.name}`,
      namespace: ns,
      labels: { app: 'openshift-kube-apiserver', apiserver: 'true', revision },
      annotations: {
        'kubectl.kubernetes.io/default-container': 'kube-apiserver',
        'kubernetes.io/config.hash': hash,
        'kubernetes.io/config.mirror': hash,
        'kubernetes.io/config.seen': now,
        'kubernetes.io/config.source': 'file',
        'target.workload.openshift.io/management': '{"effect": "PreferredDuringScheduling"}',
      },
      ownerReferences: [{ apiVersion: 'v1', controller: true, kind: 'Node', name: cp.name, uid: node.metadata.uid! }],
    },
    spec: {
      initContainers: [{ name: 'setup', image, imagePullPolicy: 'IfNotPresent', command: ['/usr/bin/timeout', '185', '/bin/bash', '-ec'], args: ['echo "Fixing audit permissions ..."'] }],
      containers: [
        {
          name: 'kube-apiserver',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/bash', '-ec'],
          args: [
            `exec watch-termination --termination-touch-file=/var/log/kube-apiserver/.terminating --termination-log-file=/var/log/kube-apiserver/termination.log --graceful-termination-duration=135s ${syncerKubeconfig} -- hyperkube kube-apiserver --openshift-config=/etc/kubernetes/static-pod-resources/configmaps/config/config.yaml --advertise-address=\${HOST_IP} -v=2 --permit-address-sharing\n`,
          ],
          ports: [{ containerPort: 6443 }],
          env: [{ name: 'STATIC_POD_VERSION', value: revision }],
          volumeMounts: [resourceDir, certDir, { mountPath: '/var/log/kube-apiserver', name: 'audit-dir' }],
        },
        { name: 'kube-apiserver-cert-syncer', image: operatorImage, command: ['cluster-kube-apiserver-operator', 'cert-syncer'], args: [syncerKubeconfig, '--namespace=$(POD_NAMESPACE)', '--destination-dir=/etc/kubernetes/static-pod-certs'], volumeMounts: [resourceDir, certDir] },
        { name: 'kube-apiserver-cert-regeneration-controller', image: operatorImage, command: ['cluster-kube-apiserver-operator', 'cert-regeneration-controller'], args: [syncerKubeconfig, '--namespace=$(POD_NAMESPACE)', '-v=2'], volumeMounts: [resourceDir] },
        { name: 'kube-apiserver-insecure-readyz', image: operatorImage, command: ['cluster-kube-apiserver-operator', 'insecure-readyz'], args: ['--insecure-port=6080', '--delegate-url=https://localhost:6443/readyz'] },
        { name: 'kube-apiserver-check-endpoints', image: operatorImage, command: ['cluster-kube-apiserver-operator', 'check-endpoints'], args: ['--kubeconfig', '/etc/kubernetes/static-pod-certs/configmaps/check-endpoints-kubeconfig/kubeconfig', '--listen', '0.0.0.0:17697', '--namespace', '$(POD_NAMESPACE)', '--v', '2'], volumeMounts: [resourceDir, certDir] },
      ],
      hostNetwork: true,
      nodeName: cp.name,
      priorityClassName: 'system-node-critical',
      terminationGracePeriodSeconds: 135,
      tolerations: [{ operator: 'Exists' }],
      volumes: [
        { hostPath: { path: `/etc/kubernetes/static-pod-resources/kube-apiserver-pod-${revision}` }, name: 'resource-dir' },
        { hostPath: { path: '/etc/kubernetes/static-pod-resources/kube-apiserver-certs' }, name: 'cert-dir' },
        { hostPath: { path: '/var/log/kube-apiserver' }, name: 'audit-dir' },
      ],
    },
  });
}

/** The kube-system add-ons (CoreDNS, kube-proxy), kubeadm's, for every profile. */
function systemWorkloads(cluster: Cluster, now: string): void {
  const ns = 'kube-system';
  for (const sa of ['coredns', 'kube-proxy']) {
    createObject(cluster, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: ns } });
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
  for (const { name: node } of cluster.options.profile.nodes) {
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
  const profile = cluster.options.profile;
  const namespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
  if (profile.controlPlane === 'openshift-kube-apiserver') namespaces.push('openshift-kube-apiserver');
  for (const ns of namespaces) {
    cluster.store.create(t('', 'namespaces'), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    ensureNamespaceDefaults(cluster, ns);
  }
  profile.nodes.forEach((n, i) => cluster.store.create(t('', 'nodes'), nodeObject(n, now, i, profile)));
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
  identityBindings(cluster);
  if (profile.controlPlane === 'kubeadm-static-pods') kubeadmControlPlane(cluster, now);
  if (profile.controlPlane === 'openshift-kube-apiserver') openshiftControlPlane(cluster, now);
  systemWorkloads(cluster, now);
}

/**
 * What grants the profile's kubeconfig identities their rights: the `view` ClusterRole for the
 * viewer group (the emulator's own binding), cluster-admin for admins that are not in
 * system:masters — a Google account (GKE grants it through IAM; RBAC stands in here), AKS's admin
 * group, OpenShift's system:cluster-admins group (its `cluster-admins` ClusterRoleBinding) — and on
 * EKS the aws-auth ConfigMap mapping the IAM users (and the node role, `system:node:{{EC2PrivateDNSName}}`
 * as aws-iam-authenticator pkg/server/server.go renderTemplate expands it) to Kubernetes users.
 */
function identityBindings(cluster: Cluster): void {
  const profile = cluster.options.profile;
  const t = cluster.type('rbac.authorization.k8s.io', 'clusterrolebindings');
  const bind = (name: string, role: string, subject: { kind: 'User' | 'Group'; name: string }) =>
    cluster.store.create(t, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }],
    });
  bind('satoken:viewers', 'view', { kind: 'Group', name: VIEWER_GROUP });
  const admin = profile.kubeconfig.identities.admin;
  if (profile.name === 'gke') bind('satoken-admin-cluster-admin', 'cluster-admin', { kind: 'User', name: admin.username });
  if (profile.name === 'aks') bind('aks-cluster-admin-binding-aad', 'cluster-admin', { kind: 'Group', name: admin.groups[0]! });
  if (profile.name === 'openshift') bind('cluster-admins', 'cluster-admin', { kind: 'Group', name: 'system:cluster-admins' });
  if (profile.name === 'eks') {
    const mapRoles = `- groups:\n  - system:bootstrappers\n  - system:nodes\n  rolearn: arn:aws:iam::${EKS_ACCOUNT}:role/eks-node-role\n  username: system:node:{{EC2PrivateDNSName}}\n`;
    createObject(cluster, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'aws-auth', namespace: 'kube-system' }, data: { mapRoles, mapUsers: awsAuthMapUsers(profile) } });
  }
}
