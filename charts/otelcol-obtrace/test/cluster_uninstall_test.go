package test

// helm uninstall of every release leaves no object of any of them.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// listableTypes are the namespaced and cluster-scoped types the API server can list (as
// `kubectl api-resources --verbs=list`), but Events, which outlive what they are about.
func (c *cluster) listableTypes() ([]schema.GroupVersionResource, error) {
	disc, err := discovery.NewDiscoveryClientForConfig(c.config)
	if err != nil {
		return nil, err
	}
	lists, err := disc.ServerPreferredResources()
	if err != nil {
		return nil, err
	}
	var types []schema.GroupVersionResource
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			return nil, err
		}
		for _, r := range list.APIResources {
			if r.Name == "events" || strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") {
				continue
			}
			types = append(types, gv.WithResource(r.Name))
		}
	}
	return types, nil
}

// leftovers are the objects of release in any listable type, in every namespace, plus Helm's
// release records.
func (c *cluster) leftovers(release string) ([]string, error) {
	ctx := context.Background()
	types, err := c.listableTypes()
	if err != nil {
		return nil, err
	}
	if len(types) == 0 {
		return nil, errors.New("the API server lists no type")
	}
	var objs []string
	find := func(gvr schema.GroupVersionResource, selector string) error {
		list, err := c.dynamic.Resource(gvr).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return fmt.Errorf("listing %s: %w", gvr, err)
		}
		for _, o := range list.Items {
			objs = append(objs, fmt.Sprintf("%s %s/%s", gvr.GroupResource(), o.GetNamespace(), o.GetName()))
		}
		return nil
	}
	for _, gvr := range types {
		if err := find(gvr, "app.kubernetes.io/instance="+release); err != nil {
			return nil, err
		}
	}
	if err := find(schema.GroupVersionResource{Version: "v1", Resource: "secrets"}, "owner=helm,name="+release); err != nil {
		return nil, err
	}
	return objs, nil
}

func (c *cluster) testUninstall(t *testing.T) {
	// The leftover search must see the releases while they are installed.
	gw, err := c.leftovers(gatewayRelease)
	require.NoError(t, err, "the API server could not be asked for the objects of %s", gatewayRelease)
	require.GreaterOrEqual(t, len(gw), 8, "objects of %s found before the uninstall", gatewayRelease)
	ag, err := c.leftovers(agentRelease)
	require.NoError(t, err)
	t.Logf("%d objects of %s and %d of %s before the uninstall", len(gw), gatewayRelease, len(ag), agentRelease)

	uninstall := func(release, ns string) {
		c.helmRun(t, "uninstall", release, "-n", ns, "--wait", "--timeout", helmWait)
	}
	uninstall(agentRelease, namespace)
	if slices.Contains(strings.Fields(c.helmRun(t, "list", "-n", agentNamespace, "-q")), agentRelease) {
		uninstall(agentRelease, agentNamespace)
	}
	uninstall(gatewayRelease, namespace)
	for _, release := range []string{agentRelease, gatewayRelease} {
		require.EventuallyWithT(t, func(ct *assert.CollectT) {
			left, err := c.leftovers(release)
			require.NoError(ct, err)
			assert.Empty(ct, left, "objects of release %s", release)
		}, 90*time.Second, poll)
	}
	require.Empty(t, strings.TrimSpace(c.helmRun(t, "list", "-A", "-a", "-q")), "helm still lists releases")
	for _, name := range []string{"obtrace-api-key", "obtrace-gateway-token"} {
		_, err := c.client.CoreV1().Secrets(namespace).Get(context.Background(), name, metav1.GetOptions{})
		require.NoError(t, err, "secret %s, made outside the chart, was deleted", name)
	}
}
