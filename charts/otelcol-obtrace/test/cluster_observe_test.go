package test

// What the cluster tests read back from the API server: a release's pods, its Services'
// EndpointSlices, a Deployment's rollout.

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// poll is how often the cluster tests look again while they wait.
const poll = 500 * time.Millisecond

func exampleValues(example string) string { return filepath.Join(examplesDir, example, "values.yaml") }

func instanceSelector(release string) metav1.ListOptions {
	return metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + release}
}

// releasePods are the pods of release in ns that are not being deleted, sorted by name.
func (c *cluster) releasePods(ns, release string) ([]corev1.Pod, error) {
	list, err := c.client.CoreV1().Pods(ns).List(context.Background(), instanceSelector(release))
	if err != nil {
		return nil, err
	}
	var pods []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			pods = append(pods, p)
		}
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods, nil
}

func podReady(p corev1.Pod) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitReadyPods waits until exactly want pods of release are Ready and logs them.
func (c *cluster) waitReadyPods(t *testing.T, ns, release string, want int, within time.Duration) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		var err error
		pods, err = c.releasePods(ns, release)
		require.NoError(ct, err)
		ready := 0
		for _, p := range pods {
			if podReady(p) {
				ready++
			}
		}
		assert.Equal(ct, want, ready, "Ready pods of %s/%s", ns, release)
	}, within, poll)
	for _, p := range pods {
		t.Logf("pod %s Ready=%v node %s", p.Name, podReady(p), p.Spec.NodeName)
	}
	return pods
}

// endpointSlices are the EndpointSlices of service.
func (c *cluster) endpointSlices(ns, service string) ([]discoveryv1.EndpointSlice, error) {
	list, err := c.client.DiscoveryV1().EndpointSlices(ns).List(context.Background(),
		metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + service})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

// waitReadyEndpoints waits until the EndpointSlices of service hold want ready endpoints.
func (c *cluster) waitReadyEndpoints(t *testing.T, ns, service string, want int, within time.Duration) {
	t.Helper()
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		slices, err := c.endpointSlices(ns, service)
		require.NoError(ct, err)
		ready := 0
		for _, s := range slices {
			for _, e := range s.Endpoints {
				if e.Conditions.Ready != nil && *e.Conditions.Ready {
					ready++
				}
			}
		}
		assert.Equal(ct, want, ready, "ready endpoints in the EndpointSlices of service %s/%s", ns, service)
	}, within, poll)
}

// waitRollout waits until the Deployment's rollout is complete, as `kubectl rollout status` says:
// the controller saw the latest spec, every replica is updated and available, no old one is left.
func (c *cluster) waitRollout(t *testing.T, ns, name string, within time.Duration) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		var err error
		d, err = c.client.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
		require.NoError(ct, err)
		require.NoError(ct, rolloutPending(d))
	}, within, poll, "rollout of deployment %s/%s", ns, name)
	return d
}

func rolloutPending(d *appsv1.Deployment) error {
	s, want := d.Status, int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	switch {
	case s.ObservedGeneration < d.Generation:
		return fmt.Errorf("generation %d not observed yet (%d)", d.Generation, s.ObservedGeneration)
	case s.UpdatedReplicas < want:
		return fmt.Errorf("%d of %d replicas updated", s.UpdatedReplicas, want)
	case s.Replicas > s.UpdatedReplicas:
		return fmt.Errorf("%d old replicas pending termination", s.Replicas-s.UpdatedReplicas)
	case s.AvailableReplicas < s.UpdatedReplicas:
		return fmt.Errorf("%d of %d updated replicas available", s.AvailableReplicas, s.UpdatedReplicas)
	}
	return nil
}

// waitEqual waits until get returns want; on timeout the failure shows the last value.
func waitEqual[T comparable](t *testing.T, want T, what string, within time.Duration, get func() (T, error)) {
	t.Helper()
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		got, err := get()
		require.NoError(ct, err, what)
		assert.Equal(ct, want, got, what)
	}, within, poll)
}
