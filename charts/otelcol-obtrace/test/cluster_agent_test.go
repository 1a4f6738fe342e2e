package test

// The agent examples installed with helm: agent-to-gateway next to the gateway, and the collecting
// agent agent-collect in a namespace of its own.

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// daemonSetPods is what a DaemonSet's status says of its pods.
type daemonSetPods struct{ desired, ready int32 }

// waitDaemonSet waits until the agent's DaemonSet wants one pod (one node) and has it Ready, and
// returns that pod.
func (c *cluster) waitDaemonSet(t *testing.T, ns string) corev1.Pod {
	t.Helper()
	waitEqual(t, daemonSetPods{desired: 1, ready: 1}, "DaemonSet desiredNumberScheduled and numberReady", time.Minute,
		func() (daemonSetPods, error) {
			ds, err := c.client.AppsV1().DaemonSets(ns).Get(context.Background(), agentRelease, metav1.GetOptions{})
			if err != nil {
				return daemonSetPods{}, err
			}
			return daemonSetPods{ds.Status.DesiredNumberScheduled, ds.Status.NumberReady}, nil
		})
	pods := c.waitReadyPods(t, ns, agentRelease, 1, time.Minute)
	require.Len(t, pods, 1, "agent pods")
	require.Equal(t, fakeNode, pods[0].Spec.NodeName, "agent pod not on %s", fakeNode)
	return pods[0]
}

func (c *cluster) testAgentInstall(t *testing.T) {
	c.helmInstall(t, "install", agentRelease, namespace, "agent-to-gateway")
	c.waitDaemonSet(t, namespace)
	svc, err := c.client.CoreV1().Services(namespace).Get(context.Background(), agentRelease, metav1.GetOptions{})
	require.NoError(t, err)
	require.NotNil(t, svc.Spec.InternalTrafficPolicy)
	require.Equal(t, corev1.ServiceInternalTrafficPolicyLocal, *svc.Spec.InternalTrafficPolicy, "agent Service internalTrafficPolicy")
	c.waitReadyEndpoints(t, namespace, agentRelease, 1, time.Minute)
	c.checkPodRefs(t, namespace, agentRelease)
}

func (c *cluster) testAgentCollectInstall(t *testing.T) {
	ctx := context.Background()
	// The Secrets agent-collect's values name, in its own namespace; the gateway's token is the
	// one the gateway checks.
	token, err := c.client.CoreV1().Secrets(namespace).Get(ctx, "obtrace-gateway-token", metav1.GetOptions{})
	require.NoError(t, err)
	c.createSecret(t, agentNamespace, "obtrace-gateway-token", "token", string(token.Data["token"]))
	c.createSecret(t, agentNamespace, "otelcol-obtrace-agent-receiver-token", "token", randomHex(t))
	c.helmInstall(t, "install", agentRelease, agentNamespace, "agent-collect")

	pod := c.waitDaemonSet(t, agentNamespace)
	var hostPaths []string
	for _, v := range pod.Spec.Volumes {
		if v.HostPath != nil {
			hostPaths = append(hostPaths, v.HostPath.Path)
		}
	}
	t.Logf("hostPath volumes: %v", hostPaths)
	require.NotNil(t, pod.Spec.AutomountServiceAccountToken)
	require.True(t, *pod.Spec.AutomountServiceAccountToken, "the agent pod does not mount its ServiceAccount token (k8s_attributes needs it)")
	binding, err := c.client.RbacV1().ClusterRoleBindings().Get(ctx, agentNamespace+"-"+agentRelease, metav1.GetOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, binding.Subjects)
	require.Equal(t, agentNamespace+"/"+agentRelease, binding.Subjects[0].Namespace+"/"+binding.Subjects[0].Name,
		"ClusterRoleBinding %s subject", binding.Name)
	_, err = c.client.NetworkingV1().NetworkPolicies(agentNamespace).Get(ctx, agentRelease, metav1.GetOptions{})
	require.NoError(t, err, "no NetworkPolicy")
	c.checkPodRefs(t, agentNamespace, agentRelease)
}
