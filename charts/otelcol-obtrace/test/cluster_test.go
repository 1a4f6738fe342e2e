package test

// TestChartOnAPIServer: the chart on the real API server of build/k8s-test.sh (see
// cluster_env_test.go). The steps build on each other, in this order.

import (
	"context"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestChartOnAPIServer(t *testing.T) {
	c := clusterEnv(t)
	steps := []struct {
		name string
		run  func(*testing.T)
	}{
		// Every examples/*/rendered/ passes strict field validation, without a Pod Security warning.
		{"dry-run rendered examples", c.testDryRunRendered},
		// ... and the collecting agent (hostPath volumes, UID 0) is flagged in the restricted namespace;
		// before the agents install, as a dry-run create of names that exist would be refused.
		{"dry-run agent-collect in restricted namespace", c.testAgentCollectRefusedInRestricted},
		// Ready, scaled by the HPA, in the Services' EndpointSlices, covered by the PDB, references resolved.
		{"install gateway", c.testGatewayInstall},
		// A config change: new checksum/config, a new ReplicaSet, every pod replaced, the HPA's count kept.
		{"upgrade gateway", c.testGatewayUpgrade},
		{"install agent", c.testAgentInstall},
		// Into observability-agent (Pod Security "privileged"), with its ClusterRoleBinding and NetworkPolicy.
		{"install agent-collect", c.testAgentCollectInstall},
		{"k8s_attributes", c.testK8sAttributes},
		{"uninstall", c.testUninstall},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			t.Cleanup(func() {
				if t.Failed() {
					c.diagnose(t, namespace)
					c.diagnose(t, agentNamespace)
				}
			})
			s.run(t)
		})
	}
}

// diagnose logs what ns holds and its latest events, after a failed step.
func (c *cluster) diagnose(t *testing.T, ns string) {
	ctx := context.Background()
	if pods, err := c.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, p := range pods.Items {
			t.Logf("pod %s: %s, Ready=%v, node %q, IP %s", p.Name, p.Status.Phase, podReady(p), p.Spec.NodeName, p.Status.PodIP)
		}
	}
	events, err := c.client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Logf("events of %s: %v", ns, err)
		return
	}
	items := events.Items
	sort.SliceStable(items, func(i, j int) bool { return eventTime(items[i]).Before(eventTime(items[j])) })
	for _, e := range items[max(0, len(items)-25):] {
		t.Logf("event %s %s/%s %s: %s", e.Type, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
	}
}

// eventTime is when an event last happened: events written through events.k8s.io carry only
// eventTime, older ones only lastTimestamp.
func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}
