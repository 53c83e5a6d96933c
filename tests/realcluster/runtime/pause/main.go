// Command pause is the pod sandbox's process, built here because no registry
// is reachable to pull registry.k8s.io/pause. Like upstream's pause.c
// (k/k build/pause/linux/pause.c) it sleeps until SIGINT/SIGTERM and, being
// PID 1 of the pod's PID namespace when that is shared, reaps orphans.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var ws syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
