package test

// The chart on a real API server. build/k8s-test.sh starts etcd, kube-apiserver, the controller
// manager, the scheduler and kwok on 127.0.0.1, makes the namespaces "observability" (Pod Security
// "restricted" enforced and warned) and "observability-agent" ("privileged"), the fake node
// kwok-node-0 and the ServiceMonitor CRD, and runs TestChartOnAPIServer with:
//
//	K8S_TEST_KUBECONFIG  the cluster admin's kubeconfig; without it the test skips, even with
//	                     CI=true, as build/chart-check.sh runs this module without a cluster
//	K8S_TEST_PORTS       two free loopback ports (build/free-ports.sh) for the k8s_attributes collector
//	HELM, KUBE_VERSION   as for the render tests (helm is exec'ed for install, upgrade, uninstall)
//	OTELCOL_BIN          the collector of the k8s_attributes step; without it that step skips
//	                     (CI=true: fails)

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	// agentNamespace is where the collecting agent installs (see namespaceFor).
	agentNamespace = "observability-agent"
	gatewayRelease = "otelcol-obtrace-gateway"
	agentRelease   = "otelcol-obtrace-agent"
	// fakeNode is build/k8s/kwok-node.yaml, the one node, kept Ready by kwok.
	fakeNode = "kwok-node-0"
	// helmWait is what every helm install, upgrade and uninstall waits at most.
	helmWait = "120s"
)

type cluster struct {
	kubeconfig string // the admin's
	config     *rest.Config
	client     kubernetes.Interface
	dynamic    dynamic.Interface
	helm       string
	ports      []string
}

func clusterEnv(t *testing.T) *cluster {
	t.Helper()
	kubeconfig := os.Getenv("K8S_TEST_KUBECONFIG")
	if kubeconfig == "" {
		t.Skip("SKIP: run by build/k8s-test.sh (needs K8S_TEST_KUBECONFIG)")
	}
	c := &cluster{kubeconfig: kubeconfig, helm: helmBin(t), ports: strings.Fields(os.Getenv("K8S_TEST_PORTS"))}
	if len(c.ports) != 2 {
		t.Fatalf("K8S_TEST_PORTS = %q, want two ports", os.Getenv("K8S_TEST_PORTS"))
	}
	var err error
	c.config, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
	require.NoError(t, err)
	// kubectl's client rate limits: the leftover search lists every type, which client-go's
	// default of 5 requests per second stretches to seconds per search. Its deprecation warnings
	// (ComponentStatus, Endpoints) are noise here; the dry runs collect warnings themselves.
	c.config.QPS, c.config.Burst = 50, 300
	c.config.WarningHandler = rest.NoWarnings{}
	c.client, err = kubernetes.NewForConfig(c.config)
	require.NoError(t, err)
	c.dynamic, err = dynamic.NewForConfig(c.config)
	require.NoError(t, err)
	return c
}

// helmRun runs helm against the cluster and logs its output; a failure fails the test.
func (c *cluster) helmRun(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.helm, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfig)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("helm %s:\n%s", strings.Join(args, " "), out.String())
	require.NoError(t, err, "helm %s", strings.Join(args, " "))
	return out.String()
}

// helmInstall installs (or with "upgrade" upgrades) release from the chart with an example's values
// and waits for its workloads.
func (c *cluster) helmInstall(t *testing.T, verb, release, ns, example string, sets ...string) {
	t.Helper()
	args := []string{verb, release, chartDir, "-n", ns, "-f", exampleValues(example), "--wait", "--timeout", helmWait}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	c.helmRun(t, args...)
}
