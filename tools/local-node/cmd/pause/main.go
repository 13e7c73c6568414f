// The pod sandbox's process (what registry.k8s.io/pause does): it holds the pod's namespaces open
// and reaps orphaned children until it is told to stop. No image can be pulled here, so the local
// node builds this one (tools/local-node/node.sh imports it into containerd).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
