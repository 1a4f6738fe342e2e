// Package test renders the otelcol-obtrace Helm chart with the helm binary and
// checks the result: golden manifests, strict decoding into typed Kubernetes
// objects, the Pod Security "restricted" level, chart invariants, the values
// schema, and (with OTELCOL_BIN) the rendered collector configuration. With K8S_TEST_KUBECONFIG,
// set by build/k8s-test.sh, TestChartOnAPIServer installs it on a real API server.
package test

import (
	"sort"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// rendered is one release rendered by helm, its manifests and workloads; the helpers below read
// them (collector configs, containers, nested config values).
type rendered struct {
	all             []manifest
	configMaps      []*corev1.ConfigMap
	secrets         []*corev1.Secret
	services        []*corev1.Service
	hpas            []*autoscalingv2.HorizontalPodAutoscaler
	pdbs            []*policyv1.PodDisruptionBudget
	clusterRoles    []*rbacv1.ClusterRole
	roleBindings    []*rbacv1.ClusterRoleBinding
	networkPolicies []*networkingv1.NetworkPolicy
	workloads       []workload
}

type workload struct {
	kind, name, namespace string
	template              *corev1.PodTemplateSpec
	selector              *metav1.LabelSelector
	configMap             *corev1.ConfigMap // the one its "config" volume mounts
}

// tier is the workload's app.kubernetes.io/component: gateway, agent or sampler.
func (w workload) tier() string { return w.template.Labels["app.kubernetes.io/component"] }

func (w workload) agent() bool { return w.kind == "DaemonSet" }

// collectorConfigText is the collector configuration the workload mounts.
func (w workload) collectorConfigText(t *testing.T) string {
	t.Helper()
	text, ok := w.configMap.Data["config.yaml"]
	if !ok {
		t.Fatalf("ConfigMap %s has no config.yaml", w.configMap.Name)
	}
	return text
}

func (w workload) collectorConfig(t *testing.T) map[string]any {
	t.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(w.collectorConfigText(t)), &cfg); err != nil {
		t.Fatalf("config.yaml of %s is not YAML: %v", w.name, err)
	}
	return cfg
}

func collect(t *testing.T, ms []manifest) rendered {
	t.Helper()
	r := rendered{all: ms}
	for _, m := range ms {
		switch o := m.Obj.(type) {
		case *corev1.ConfigMap:
			r.configMaps = append(r.configMaps, o)
		case *corev1.Secret:
			r.secrets = append(r.secrets, o)
		case *corev1.Service:
			r.services = append(r.services, o)
		case *autoscalingv2.HorizontalPodAutoscaler:
			r.hpas = append(r.hpas, o)
		case *policyv1.PodDisruptionBudget:
			r.pdbs = append(r.pdbs, o)
		case *rbacv1.ClusterRole:
			r.clusterRoles = append(r.clusterRoles, o)
		case *rbacv1.ClusterRoleBinding:
			r.roleBindings = append(r.roleBindings, o)
		case *networkingv1.NetworkPolicy:
			r.networkPolicies = append(r.networkPolicies, o)
		case *appsv1.Deployment:
			r.workloads = append(r.workloads, workload{kind: "Deployment", name: o.Name, namespace: o.Namespace, template: &o.Spec.Template, selector: o.Spec.Selector})
		case *appsv1.StatefulSet:
			r.workloads = append(r.workloads, workload{kind: "StatefulSet", name: o.Name, namespace: o.Namespace, template: &o.Spec.Template, selector: o.Spec.Selector})
		case *appsv1.DaemonSet:
			r.workloads = append(r.workloads, workload{kind: "DaemonSet", name: o.Name, namespace: o.Namespace, template: &o.Spec.Template, selector: o.Spec.Selector})
		case *corev1.ServiceAccount, *serviceMonitor:
		default:
			t.Errorf("unexpected object %s", m.key())
		}
	}
	// One main workload, plus the sampling tier's with tailSampling; each with its own ConfigMap.
	if n := len(r.workloads); n < 1 || n > 2 {
		t.Fatalf("expected one or two workloads, got %d", n)
	}
	if len(r.configMaps) != len(r.workloads) {
		t.Fatalf("expected one ConfigMap per workload, got %d for %d", len(r.configMaps), len(r.workloads))
	}
	sort.SliceStable(r.workloads, func(_, j int) bool { return r.workloads[j].tier() == "sampler" })
	for i := range r.workloads {
		w := &r.workloads[i]
		for _, v := range w.template.Spec.Volumes {
			if v.Name != "config" || v.ConfigMap == nil {
				continue
			}
			for _, cm := range r.configMaps {
				if cm.Name == v.ConfigMap.Name {
					w.configMap = cm
				}
			}
		}
		if w.configMap == nil {
			t.Fatalf("%s/%s mounts no rendered ConfigMap as its config volume", w.kind, w.name)
		}
	}
	if r.main().tier() == "sampler" {
		t.Fatalf("only a sampling tier was rendered")
	}
	return r
}

// main is the release's gateway or agent workload; sampler the sampling tier (nil without).
func (r rendered) main() workload { return r.workloads[0] }

func (r rendered) sampler() *workload {
	if len(r.workloads) == 2 {
		return &r.workloads[1]
	}
	return nil
}

func renderCollected(t *testing.T, c renderCase) rendered {
	t.Helper()
	return collect(t, decodeAll(t, mustRender(t, c)))
}

// collectorConfig is the main workload's collector configuration.
func (r rendered) collectorConfig(t *testing.T) map[string]any {
	t.Helper()
	return r.main().collectorConfig(t)
}

func dig(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func container(t *testing.T, w workload) *corev1.Container {
	t.Helper()
	for i := range w.template.Spec.Containers {
		if w.template.Spec.Containers[i].Name == "otelcol-obtrace" {
			return &w.template.Spec.Containers[i]
		}
	}
	t.Fatalf("%s/%s has no otelcol-obtrace container", w.kind, w.name)
	return nil
}
