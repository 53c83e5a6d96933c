// The node's configuration files: containerd's (config version 3) and the kubelet's
// KubeletConfiguration, every path under the run directory R so that a stop removes it.
import { PAUSE_IMAGE } from './images.mjs';

export function containerdConfig(R, bin) {
  // Keys from containerd docs/cri/config.md at v2.3 (config version 3). Everything under R, so a
  // stop removes it; plugins that would watch or write fixed host paths are off.
  return `version = 3
root = '${R}/containerd/root'
state = '${R}/containerd/state'
disabled_plugins = ['io.containerd.nri.v1.nri', 'io.containerd.snapshotter.v1.erofs', 'io.containerd.snapshotter.v1.blockfile']

[grpc]
  address = '${R}/containerd.sock'

[plugins]
  [plugins.'io.containerd.internal.v1.opt']
    path = '${R}/containerd/opt'
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = '${PAUSE_IMAGE}'
  [plugins.'io.containerd.cri.v1.runtime']
    enable_cdi = false
    disable_apparmor = true
    tolerate_missing_hugetlb_controller = true
    disable_hugetlb_controller = true
    # Lowering an oom_score_adj below 0 needs CAP_SYS_RESOURCE, which sandboxed hosts (this VM among
    # them) may not grant: runc init then fails with "failed to update /proc/self/oom_score_adj:
    # Permission denied". Clamp sandboxes (-998) and Guaranteed pods to containerd's own score.
    restrict_oom_score_adj = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          SystemdCgroup = false
          BinaryName = '${bin}/runc'
          Root = '${R}/runc'
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ['/usr/lib/cni']
      conf_dir = '${R}/cni/net.d'
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = '127.0.0.1'
    stream_server_port = '0'
`;
}

export function kubeletConfig(R, pki, port) {
  // Fields as hack/local-up-cluster.sh start_kubelet and kind's kubeadm template set them.
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // This host has cgroup v1; since 1.35 the kubelet refuses it unless told (KEP-5573).
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    containerRuntimeEndpoint: `unix://${R}/containerd.sock`,
    failSwapOn: false,
    address: '127.0.0.1',
    port,
    readOnlyPort: 0,
    healthzPort: 0,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki.ca.crt } },
    authorization: { mode: 'Webhook' },
    tlsCertFile: pki['kubelet-serving'].crt,
    tlsPrivateKeyFile: pki['kubelet-serving'].key,
    rotateCertificates: false,
    // The kubelet's own -999 default needs CAP_SYS_RESOURCE too (see restrict_oom_score_adj above).
    oomScoreAdj: 0,
    resolvConf: `${R}/resolv.conf`,
    clusterDomain: 'cluster.local',
    podLogsDir: `${R}/logs/pods`,
    // Never collect the images imported by hand: nothing could pull them again.
    imageGCHighThresholdPercent: 100,
    evictionHard: { 'memory.available': '0%', 'nodefs.available': '0%', 'nodefs.inodesFree': '0%', 'imagefs.available': '0%' },
    // Projected token files are rewritten on pod sync; the default is 1m.
    syncFrequency: '10s',
  }, null, 2);
}
