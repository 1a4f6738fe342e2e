package test

// kwok starts no container, so nothing on the test cluster would notice a pod that a kubelet could
// not start for a missing Secret or ConfigMap: checkPodRefs looks for itself.

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// podRef is one Secret or ConfigMap a pod needs, and the key in it ("" for the whole object).
type podRef struct{ kind, name, key string }

func (r podRef) String() string {
	if r.key == "" {
		return r.kind + "/" + r.name
	}
	return r.kind + "/" + r.name + " key " + r.key
}

// podRefs are the Secrets and ConfigMaps (and keys) spec names in its volumes, projected volumes,
// env valueFrom and envFrom of every container, leaving out those marked optional.
func podRefs(spec corev1.PodSpec) []podRef {
	var refs []podRef
	add := func(kind, name string, optional *bool, keys ...string) {
		if optional != nil && *optional {
			return
		}
		if len(keys) == 0 {
			keys = []string{""}
		}
		for _, k := range keys {
			refs = append(refs, podRef{kind, name, k})
		}
	}
	for _, v := range spec.Volumes {
		if s := v.Secret; s != nil {
			add("secret", s.SecretName, s.Optional, itemKeys(s.Items)...)
		}
		if cm := v.ConfigMap; cm != nil {
			add("configmap", cm.Name, cm.Optional, itemKeys(cm.Items)...)
		}
		if p := v.Projected; p != nil {
			for _, src := range p.Sources {
				if s := src.Secret; s != nil {
					add("secret", s.Name, s.Optional, itemKeys(s.Items)...)
				}
				if cm := src.ConfigMap; cm != nil {
					add("configmap", cm.Name, cm.Optional, itemKeys(cm.Items)...)
				}
			}
		}
	}
	for _, ctr := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		for _, e := range ctr.Env {
			if e.ValueFrom == nil {
				continue
			}
			if s := e.ValueFrom.SecretKeyRef; s != nil {
				add("secret", s.Name, s.Optional, s.Key)
			}
			if cm := e.ValueFrom.ConfigMapKeyRef; cm != nil {
				add("configmap", cm.Name, cm.Optional, cm.Key)
			}
		}
		for _, from := range ctr.EnvFrom {
			if s := from.SecretRef; s != nil {
				add("secret", s.Name, s.Optional)
			}
			if cm := from.ConfigMapRef; cm != nil {
				add("configmap", cm.Name, cm.Optional)
			}
		}
	}
	return refs
}

func itemKeys(items []corev1.KeyToPath) []string {
	var keys []string
	for _, it := range items {
		keys = append(keys, it.Key)
	}
	return keys
}

// checkPodRefs: every Secret and ConfigMap the pods of release in ns need exists, with a
// non-empty value under every key they name.
func (c *cluster) checkPodRefs(t *testing.T, ns, release string) {
	t.Helper()
	pods, err := c.client.CoreV1().Pods(ns).List(context.Background(), instanceSelector(release))
	require.NoError(t, err)
	seen := map[podRef]bool{}
	for _, p := range pods.Items {
		for _, r := range podRefs(p.Spec) {
			seen[r] = true
		}
	}
	require.NotEmpty(t, seen, "pods of %s reference no Secret or ConfigMap (expected at least the config)", release)
	var refs []podRef
	for r := range seen {
		refs = append(refs, r)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
	for _, r := range refs {
		if err := c.resolve(ns, r); err != nil {
			t.Errorf("pods of %s need %v: %v", release, r, err)
			continue
		}
		t.Logf("pods of %s use %v", release, r)
	}
}

var podRefResources = map[string]schema.GroupVersionResource{
	"secret": {Version: "v1", Resource: "secrets"}, "configmap": {Version: "v1", Resource: "configmaps"},
}

func (c *cluster) resolve(ns string, r podRef) error {
	obj, err := c.dynamic.Resource(podRefResources[r.kind]).Namespace(ns).Get(context.Background(), r.name, metav1.GetOptions{})
	if err != nil || r.key == "" {
		return err
	}
	// A Secret's data and a ConfigMap's binaryData are base64: non-empty exactly when the value is.
	for _, field := range []string{"data", "binaryData"} {
		if v, _, _ := unstructured.NestedString(obj.Object, field, r.key); v != "" {
			return nil
		}
	}
	return fmt.Errorf("%s/%s has no value under key %s", r.kind, r.name, r.key)
}

// TestPodRefs: the walk finds every place a pod spec names a Secret or ConfigMap, and leaves out
// what is optional. No cluster needed.
func TestPodRefs(t *testing.T) {
	optional := new(true)
	spec := corev1.PodSpec{
		Volumes: []corev1.Volume{
			{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "vol-secret"}}},
			{Name: "c", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "vol-cm"}, Items: []corev1.KeyToPath{{Key: "config.yaml", Path: "c"}}}}},
			{Name: "o", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "vol-optional", Optional: optional}}},
			{Name: "p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
					Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
				{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "projected-secret"}}},
			}}}},
		},
		InitContainers: []corev1.Container{{Name: "init", EnvFrom: []corev1.EnvFromSource{
			{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "init-env"}}}}}},
		Containers: []corev1.Container{{Name: "app",
			Env: []corev1.EnvVar{
				{Name: "PLAIN", Value: "x"},
				{Name: "KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "api-key"}, Key: "api-key"}}},
				{Name: "LEVEL", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}, Key: "level", Optional: optional}}},
				{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
			},
			EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "env-secret"}}}},
		}},
	}
	var got []string
	for _, r := range podRefs(spec) {
		got = append(got, r.String())
	}
	require.ElementsMatch(t, []string{
		"secret/vol-secret", "configmap/vol-cm key config.yaml", "configmap/kube-root-ca.crt key ca.crt",
		"secret/projected-secret", "configmap/init-env", "secret/api-key key api-key", "secret/env-secret",
	}, got)
}
