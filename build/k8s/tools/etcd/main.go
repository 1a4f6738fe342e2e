// Command etcd is etcd's own server entry point (what etcd's main package runs), built at the
// go.etcd.io/etcd/server/v3 version that k8s.io/kubernetes pins, which is the etcd version
// Kubernetes tests against. build/k8s-test.sh uses it as the test cluster's store.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
