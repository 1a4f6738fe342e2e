package test

// The gateway example gateway-existing-secret-hpa installed with helm, then upgraded with a
// collector config change.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const (
	gatewayExample = "gateway-existing-secret-hpa"
	// gatewayReplicas is the example's HPA minReplicas.
	gatewayReplicas = 3
)

var serviceMonitors = schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "servicemonitors"}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func (c *cluster) createSecret(t *testing.T, ns, name, key, value string) {
	t.Helper()
	_, err := c.client.CoreV1().Secrets(ns).Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string][]byte{key: []byte(value)}}, metav1.CreateOptions{})
	require.NoError(t, err, "secret %s/%s", ns, name)
}

func (c *cluster) deployment(t *testing.T, name string) *appsv1.Deployment {
	t.Helper()
	d, err := c.client.AppsV1().Deployments(namespace).Get(context.Background(), name, metav1.GetOptions{})
	require.NoError(t, err)
	return d
}

func (c *cluster) testGatewayInstall(t *testing.T) {
	ctx := context.Background()
	// The Secrets the example expects to exist (see its values.yaml).
	c.createSecret(t, namespace, "obtrace-api-key", "api-key", "obt_live_k8stest")
	c.createSecret(t, namespace, "obtrace-gateway-token", "token", randomHex(t))
	c.helmInstall(t, "install", gatewayRelease, namespace, gatewayExample)

	// The HPA scales the Deployment, which the chart leaves without replicas.
	waitEqual(t, gatewayReplicas, "Deployment replicas set by the HPA", time.Minute, func() (int32, error) {
		d, err := c.client.AppsV1().Deployments(namespace).Get(ctx, gatewayRelease, metav1.GetOptions{})
		if err != nil || d.Spec.Replicas == nil {
			return 0, err
		}
		return *d.Spec.Replicas, nil
	})
	c.waitRollout(t, namespace, gatewayRelease, 90*time.Second)
	c.waitReadyPods(t, namespace, gatewayRelease, gatewayReplicas, time.Minute)
	waitEqual(t, gatewayReplicas, "HPA currentReplicas", time.Minute, func() (int32, error) {
		h, err := c.client.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, gatewayRelease, metav1.GetOptions{})
		if err != nil {
			return 0, err
		}
		return h.Status.CurrentReplicas, nil
	})
	// The PDB selects the pods.
	waitEqual(t, gatewayReplicas, "PDB expectedPods", time.Minute, func() (int32, error) {
		p, err := c.client.PolicyV1().PodDisruptionBudgets(namespace).Get(ctx, gatewayRelease, metav1.GetOptions{})
		if err != nil {
			return 0, err
		}
		return p.Status.ExpectedPods, nil
	})

	// The Service selects the pods and every port resolves (named targetPorts match container ports).
	svc, err := c.client.CoreV1().Services(namespace).Get(ctx, gatewayRelease, metav1.GetOptions{})
	require.NoError(t, err)
	var servicePorts []string
	for _, p := range svc.Spec.Ports {
		t.Logf("service port %s/%d->%s", p.Name, p.Port, p.TargetPort.String())
		servicePorts = append(servicePorts, p.Name)
	}
	sort.Strings(servicePorts)
	c.waitReadyEndpoints(t, namespace, gatewayRelease, gatewayReplicas, time.Minute)
	slices, err := c.endpointSlices(namespace, gatewayRelease)
	require.NoError(t, err)
	var slicePorts []string
	for _, s := range slices {
		for _, p := range s.Ports {
			if p.Name != nil {
				slicePorts = append(slicePorts, *p.Name)
			}
		}
	}
	sort.Strings(slicePorts)
	require.Equal(t, servicePorts, slicePorts, "EndpointSlice ports vs Service ports")
	// The headless Service too.
	c.waitReadyEndpoints(t, namespace, gatewayRelease+"-headless", gatewayReplicas, time.Minute)

	// The API key reaches the pod only through the Secret reference.
	var keyRef *corev1.SecretKeySelector
	for _, e := range c.deployment(t, gatewayRelease).Spec.Template.Spec.Containers[0].Env {
		if e.Name == "OBTRACE_API_KEY" && e.ValueFrom != nil {
			keyRef = e.ValueFrom.SecretKeyRef
		}
	}
	require.NotNil(t, keyRef, "OBTRACE_API_KEY does not come from a Secret")
	require.Equal(t, "obtrace-api-key", keyRef.Name, "OBTRACE_API_KEY does not come from secret obtrace-api-key")
	_, err = c.dynamic.Resource(serviceMonitors).Namespace(namespace).Get(ctx, gatewayRelease, metav1.GetOptions{})
	require.NoError(t, err, "no ServiceMonitor")
	c.checkPodRefs(t, namespace, gatewayRelease)
}

// activeReplicaSets are the names of the gateway's ReplicaSets that want pods.
func (c *cluster) activeReplicaSets(t *testing.T) []string {
	t.Helper()
	list, err := c.client.AppsV1().ReplicaSets(namespace).List(context.Background(), instanceSelector(gatewayRelease))
	require.NoError(t, err)
	var names []string
	for _, rs := range list.Items {
		if rs.Spec.Replicas != nil && *rs.Spec.Replicas > 0 {
			names = append(names, rs.Name)
		}
	}
	return names
}

func (c *cluster) testGatewayUpgrade(t *testing.T) {
	ctx := context.Background()
	const checksum = "checksum/config"
	sum0 := c.deployment(t, gatewayRelease).Spec.Template.Annotations[checksum]
	require.NotEmpty(t, sum0, "no checksum/config annotation on the pod template")
	rs0 := c.activeReplicaSets(t)
	require.Len(t, rs0, 1, "active ReplicaSets before the upgrade")
	pods0, err := c.releasePods(namespace, gatewayRelease)
	require.NoError(t, err)

	// A collector config change through the chart's `config:` merge.
	c.helmInstall(t, "upgrade", gatewayRelease, namespace, gatewayExample, "config.processors.memory_limiter.check_interval=3s")
	cm, err := c.client.CoreV1().ConfigMaps(namespace).Get(ctx, gatewayRelease, metav1.GetOptions{})
	require.NoError(t, err)
	changed := false
	for _, text := range cm.Data {
		changed = changed || strings.Contains(text, "check_interval: 3s")
	}
	require.True(t, changed, "the ConfigMap lacks the new memory_limiter check_interval")
	sum1 := c.deployment(t, gatewayRelease).Spec.Template.Annotations[checksum]
	t.Logf("checksum/config %s -> %s", sum0, sum1)
	require.NotEqual(t, sum0, sum1, "checksum/config did not change")

	d := c.waitRollout(t, namespace, gatewayRelease, 120*time.Second)
	// The upgrade keeps the HPA's replica count (the chart sets no replicas under autoscaling).
	require.NotNil(t, d.Spec.Replicas)
	require.EqualValues(t, gatewayReplicas, *d.Spec.Replicas, "replicas reset by the upgrade")
	rs1 := c.activeReplicaSets(t)
	t.Logf("active ReplicaSet %v -> %v", rs0, rs1)
	require.Len(t, rs1, 1, "no single new ReplicaSet")
	require.NotEqual(t, rs0[0], rs1[0], "no new ReplicaSet")
	old, err := c.client.AppsV1().ReplicaSets(namespace).Get(ctx, rs0[0], metav1.GetOptions{})
	require.NoError(t, err)
	require.NotNil(t, old.Spec.Replicas)
	require.Zero(t, *old.Spec.Replicas, "the old ReplicaSet %s was not scaled to 0", rs0[0])

	c.waitReadyPods(t, namespace, gatewayRelease, gatewayReplicas, 90*time.Second)
	waitEqual(t, 0, "old pods left", 90*time.Second, func() (int, error) {
		left := 0
		for _, p := range pods0 {
			_, err := c.client.CoreV1().Pods(namespace).Get(ctx, p.Name, metav1.GetOptions{})
			switch {
			case err == nil:
				left++
			case !apierrors.IsNotFound(err):
				return 0, err
			}
		}
		return left, nil
	})
	pods1, err := c.releasePods(namespace, gatewayRelease)
	require.NoError(t, err)
	for _, p := range pods1 {
		require.True(t, strings.HasPrefix(p.Name, rs1[0]+"-"), "pod %s does not belong to the new ReplicaSet %s", p.Name, rs1[0])
		require.Equal(t, sum1, p.Annotations[checksum], "pod %s has an old checksum/config", p.Name)
	}
	t.Logf("pods %v -> %v", podNames(pods0), podNames(pods1))
}

func podNames(pods []corev1.Pod) []string {
	var names []string
	for _, p := range pods {
		names = append(names, p.Name)
	}
	return names
}
