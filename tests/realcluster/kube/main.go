// Command kube is one binary for every Kubernetes component the real test
// cluster runs, chosen by the name it is started under (argv[0]) as busybox
// and the old hyperkube did. Linking them once shares the compile of the
// packages they have in common, which on a cold machine is most of the cost.
// Each component still runs in its own process: feature gates and metric
// registries are process-global.
//
// The main() bodies copy upstream's cmd/<component>/<file>.go of the pinned
// release (k/k cmd/kube-apiserver/apiserver.go,
// cmd/kube-controller-manager/controller-manager.go, cmd/kube-scheduler/scheduler.go,
// cmd/kubelet/kubelet.go, cmd/kubectl/kubectl.go; etcd's server/main.go).
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata" // CronJob time zones, as kube-apiserver and kube-controller-manager import it

	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"

	_ "k8s.io/client-go/plugin/pkg/client/auth" // kubectl's client auth plugins
)

func main() {
	name := filepath.Base(os.Args[0])
	// "kube etcd …" works as well as a symlink named etcd.
	if name == "kube" && len(os.Args) > 1 {
		name = os.Args[1]
		os.Args = append([]string{name}, os.Args[2:]...)
	}
	switch name {
	case "etcd":
		etcdmain.Main(os.Args)
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "kubelet":
		os.Exit(cli.Run(kubelet.NewKubeletCommand(context.Background())))
	case "kubectl":
		// kubectl sets its log verbosity before building the command, so that
		// plugin handling and .kuberc parsing log at the asked level.
		logs.GlogSetter(cmd.GetLogVerbosity(os.Args)) //nolint:errcheck
		if err := cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand()); err != nil {
			util.CheckErr(err)
		}
	default:
		fmt.Fprintf(os.Stderr, "error: unknown component %q (want etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet or kubectl)\n", name)
		os.Exit(2)
	}
}
