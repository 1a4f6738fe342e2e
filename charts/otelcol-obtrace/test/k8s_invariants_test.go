package test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// pipelines are the names of the configuration's service pipelines.
func pipelines(cfg map[string]any) map[string]any {
	p, _ := dig(cfg, "service", "pipelines").(map[string]any)
	return p
}

// inPipelines: some pipeline lists component under kind (receivers, processors, exporters).
func inPipelines(cfg map[string]any, kind, component string) bool {
	for name := range pipelines(cfg) {
		list, _ := dig(cfg, "service", "pipelines", name, kind).([]any)
		if containsAny(list, component) {
			return true
		}
	}
	return false
}

func readsContainerLogs(w workload) bool {
	for _, v := range w.template.Spec.Volumes {
		if v.HostPath != nil && v.HostPath.Path == "/var/log/pods" {
			return true
		}
	}
	return false
}

// checkRBAC: a workload that reads the API server (k8s_attributes) gets a
// ClusterRole with what k8s_attributes watches, bound to exactly its ServiceAccount, and mounts
// the token; a release that reads nothing gets neither a role nor a token.
func checkRBAC(t *testing.T, r rendered) {
	t.Helper()
	readers := 0
	for _, w := range r.workloads {
		cfg := w.collectorConfig(t)
		reads := inPipelines(cfg, "processors", "k8s_attributes")
		mounted := w.template.Spec.AutomountServiceAccountToken != nil && *w.template.Spec.AutomountServiceAccountToken
		if reads != mounted {
			t.Errorf("%s: reads the Kubernetes API = %v but automountServiceAccountToken = %v", w.name, reads, mounted)
		}
		if reads {
			readers++
			checkBoundTo(t, r, w)
		}
		if inPipelines(cfg, "processors", "k8s_attributes") {
			if got := dig(cfg, "processors", "k8s_attributes", "auth_type"); got != "serviceAccount" {
				t.Errorf("%s: k8s_attributes auth_type = %v, want serviceAccount", w.name, got)
			}
			checkPodAssociation(t, w, cfg)
		}
	}
	if readers == 0 && len(r.clusterRoles)+len(r.roleBindings) != 0 {
		t.Errorf("nothing reads the Kubernetes API, yet %d ClusterRoles and %d bindings are rendered", len(r.clusterRoles), len(r.roleBindings))
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

func checkBoundTo(t *testing.T, r rendered, w workload) {
	t.Helper()
	if len(r.roleBindings) != 1 || len(r.clusterRoles) != 1 {
		t.Fatalf("%s reads the Kubernetes API: want 1 ClusterRole and 1 ClusterRoleBinding, got %d and %d", w.name, len(r.clusterRoles), len(r.roleBindings))
	}
	role, binding := r.clusterRoles[0], r.roleBindings[0]
	if binding.RoleRef.Kind != "ClusterRole" || binding.RoleRef.Name != role.Name || binding.RoleRef.APIGroup != rbacv1.GroupName {
		t.Errorf("ClusterRoleBinding %s refers to %+v, not ClusterRole %s", binding.Name, binding.RoleRef, role.Name)
	}
	want := rbacv1.Subject{Kind: "ServiceAccount", Name: w.template.Spec.ServiceAccountName, Namespace: w.namespace}
	if len(binding.Subjects) != 1 || binding.Subjects[0] != want {
		t.Errorf("ClusterRoleBinding %s binds %+v, want only %+v", binding.Name, binding.Subjects, want)
	}
	for _, need := range []struct{ group, resource string }{{"", "pods"}, {"", "namespaces"}, {"", "nodes"}, {"apps", "replicasets"}} {
		if !allows(role.Rules, need.group, need.resource, "get", "list", "watch") {
			t.Errorf("ClusterRole %s does not allow get/list/watch on %s %q", role.Name, need.resource, need.group)
		}
	}
	// Read-only: no write verb, no wildcard, no secrets.
	for _, rule := range role.Rules {
		for _, v := range rule.Verbs {
			if !slices.Contains([]string{"get", "list", "watch"}, v) {
				t.Errorf("ClusterRole %s grants verb %q", role.Name, v)
			}
		}
		for _, res := range rule.Resources {
			if res == "*" || res == "secrets" {
				t.Errorf("ClusterRole %s grants %q", role.Name, res)
			}
		}
	}
}

func allows(rules []rbacv1.PolicyRule, group, resource string, verbs ...string) bool {
	for _, v := range verbs {
		ok := false
		for _, r := range rules {
			ok = ok || (slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, v))
		}
		if !ok {
			return false
		}
	}
	return true
}

// Pod association: the resource attributes first (agents, SDKs and the container log parser set
// them), the connection's address last; the agent watches only its own node's pods.
func checkPodAssociation(t *testing.T, w workload, cfg map[string]any) {
	t.Helper()
	var got []string
	for _, a := range asList(dig(cfg, "processors", "k8s_attributes", "pod_association")) {
		for _, src := range asList(dig(a.(map[string]any), "sources")) {
			m := src.(map[string]any)
			got = append(got, fmt.Sprintf("%v:%v", m["from"], m["name"]))
		}
	}
	want := []string{"resource_attribute:k8s.pod.ip", "resource_attribute:k8s.pod.uid", "connection:<nil>"}
	if w.agent() {
		want[0], want[1] = want[1], want[0]
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: k8s_attributes pod_association = %v, want %v", w.name, got, want)
	}
	filter := dig(cfg, "processors", "k8s_attributes", "filter", "node_from_env_var")
	if w.agent() != (filter == "K8S_NODE_NAME") {
		t.Errorf("%s: k8s_attributes filter.node_from_env_var = %v (agent: %v)", w.name, filter, w.agent())
	}
	metadata := asList(dig(cfg, "processors", "k8s_attributes", "extract", "metadata"))
	for _, m := range []string{"k8s.namespace.name", "k8s.pod.name", "k8s.deployment.name", "k8s.node.name"} {
		if !containsAny(metadata, m) {
			t.Errorf("%s: k8s_attributes does not extract %s", w.name, m)
		}
	}
}

// The agent's host access: every hostPath is mounted read-only except its own state directory
// (under /var/lib/otelcol-obtrace, where file_log's read positions live); the host root at /hostfs
// with HostToContainer propagation; the node's name from the downward API.
func checkAgentHost(t *testing.T, w workload, cfg map[string]any) {
	t.Helper()
	ctr := container(t, w)
	node := false
	for _, e := range ctr.Env {
		if e.Name == "K8S_NODE_NAME" {
			node = e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "spec.nodeName"
		}
	}
	if !node {
		t.Errorf("K8S_NODE_NAME does not come from the downward API spec.nodeName")
	}
	hostPaths := map[string]*corev1.HostPathVolumeSource{}
	for _, v := range w.template.Spec.Volumes {
		if v.HostPath != nil {
			hostPaths[v.Name] = v.HostPath
		}
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range ctr.VolumeMounts {
		mounts[m.Name] = m
		hp := hostPaths[m.Name]
		if hp == nil {
			continue
		}
		if m.Name == "state" {
			if !strings.HasPrefix(hp.Path, "/var/lib/otelcol-obtrace/") || m.ReadOnly {
				t.Errorf("state hostPath %s (read-only %v) must be a writable directory under /var/lib/otelcol-obtrace/", hp.Path, m.ReadOnly)
			}
			continue
		}
		if !m.ReadOnly {
			t.Errorf("hostPath %s is mounted writable at %s", hp.Path, m.MountPath)
		}
	}
	if inPipelines(cfg, "receivers", "host_metrics") {
		m, ok := mounts["hostfs"]
		if !ok || hostPaths["hostfs"] == nil || hostPaths["hostfs"].Path != "/" || m.MountPath != "/hostfs" ||
			m.MountPropagation == nil || *m.MountPropagation != corev1.MountPropagationHostToContainer {
			t.Errorf("host_metrics needs / mounted read-only at /hostfs with HostToContainer, got %+v", m)
		}
		if got := dig(cfg, "receivers", "host_metrics", "root_path"); got != "/hostfs" {
			t.Errorf("host_metrics root_path = %v, want /hostfs", got)
		}
	} else if _, ok := mounts["hostfs"]; ok {
		t.Errorf("the host root is mounted without host_metrics")
	}
	if inPipelines(cfg, "receivers", "file_log/pods") {
		if _, ok := mounts["varlogpods"]; !ok || hostPaths["varlogpods"].Path != "/var/log/pods" {
			t.Errorf("file_log/pods without the /var/log/pods mount")
		}
		storage, _ := dig(cfg, "receivers", "file_log/pods", "storage").(string)
		dir, _ := dig(cfg, "extensions", storage, "directory").(string)
		if storage == "" || !strings.HasPrefix(dir, mounts["state"].MountPath+"/") || mounts["state"].MountPath == "" {
			t.Errorf("file_log/pods positions (%s, %q) are not on the node's state hostPath (%q)", storage, dir, mounts["state"].MountPath)
		}
		for _, ex := range asList(dig(cfg, "receivers", "file_log/pods", "exclude")) {
			if !strings.Contains(ex.(string), w.namespace+"_"+w.name+"-") {
				t.Errorf("file_log/pods exclude %v does not name the agent's own pods (%s/%s-*)", ex, w.namespace, w.name)
			}
		}
		if len(asList(dig(cfg, "receivers", "file_log/pods", "exclude"))) == 0 {
			t.Errorf("file_log/pods reads the agent's own log (feedback loop)")
		}
		if dig(cfg, "receivers", "file_log/pods", "max_log_size") == nil {
			t.Errorf("file_log/pods has no max_log_size bound")
		}
	} else if _, ok := mounts["varlogpods"]; ok {
		t.Errorf("/var/log/pods is mounted without file_log")
	}
}

// checkNetworkPolicy: the agent's OTLP ports admit only pods of the cluster.
func checkNetworkPolicy(t *testing.T, r rendered, w workload) {
	t.Helper()
	if len(r.networkPolicies) == 0 {
		return // agent.networkPolicy.enabled=false
	}
	np := r.networkPolicies[0]
	for k, v := range np.Spec.PodSelector.MatchLabels {
		if w.template.Labels[k] != v {
			t.Errorf("NetworkPolicy %s does not select the agent pods (%s=%s)", np.Name, k, v)
		}
	}
	for _, rule := range np.Spec.Ingress {
		otlp := false
		for _, p := range rule.Ports {
			otlp = otlp || p.Port.String() == "otlp-grpc" || p.Port.String() == "otlp-http"
		}
		if !otlp {
			continue
		}
		if len(rule.From) != 1 || rule.From[0].NamespaceSelector == nil || len(rule.From[0].NamespaceSelector.MatchLabels)+len(rule.From[0].NamespaceSelector.MatchExpressions) != 0 ||
			rule.From[0].IPBlock != nil || rule.From[0].PodSelector != nil {
			t.Errorf("NetworkPolicy %s admits OTLP from %+v, want only pods of every namespace", np.Name, rule.From)
		}
	}
}

// checkTailSampling: with tailSampling the front tier's traces go by trace ID to the sampling
// tier's headless Service, which selects exactly the sampling pods; the sampling tier keeps
// whole traces with tail_sampling and exports to Obtrace; metrics and logs skip it.
func checkTailSampling(t *testing.T, r rendered, front workload, cfg map[string]any) {
	t.Helper()
	sampler := r.sampler()
	lb := dig(cfg, "exporters", "load_balancing")
	if sampler == nil {
		if lb != nil {
			t.Errorf("load_balancing exporter without a sampling tier")
		}
		return
	}
	if !inPipelines(cfg, "exporters", "load_balancing") || !containsAny(asList(dig(cfg, "service", "pipelines", "traces", "exporters")), "load_balancing") {
		t.Errorf("front traces pipeline does not export to load_balancing")
	}
	for _, p := range []string{"metrics", "logs"} {
		if got := asList(dig(cfg, "service", "pipelines", p, "exporters")); !containsAny(got, "obtrace") {
			t.Errorf("front %s pipeline exports to %v, want obtrace", p, got)
		}
	}
	if got := dig(cfg, "exporters", "load_balancing", "routing_key"); got != "traceID" {
		t.Errorf("load_balancing routing_key = %v, want traceID", got)
	}
	host, _ := dig(cfg, "exporters", "load_balancing", "resolver", "dns", "hostname").(string)
	var headless *corev1.Service
	for _, s := range r.services {
		if s.Spec.ClusterIP == corev1.ClusterIPNone && host == fmt.Sprintf("%s.%s.svc.cluster.local", s.Name, s.Namespace) {
			headless = s
		}
	}
	if headless == nil {
		t.Fatalf("load_balancing resolves %q, which is no rendered headless Service", host)
	}
	if !serviceSelects(headless, *sampler) || serviceSelects(headless, front) {
		t.Errorf("Service %s must select the sampling pods and not the front's", headless.Name)
	}
	port, _ := dig(cfg, "exporters", "load_balancing", "resolver", "dns", "port").(string)
	if !slices.ContainsFunc(headless.Spec.Ports, func(p corev1.ServicePort) bool { return strconv.Itoa(int(p.Port)) == port }) {
		t.Errorf("load_balancing port %q is not a port of %s", port, headless.Name)
	}
	scfg := sampler.collectorConfig(t)
	if got := asList(dig(scfg, "service", "pipelines", "traces", "processors")); !slices.Equal(got, []any{"memory_limiter", "tail_sampling"}) {
		t.Errorf("sampling tier traces processors = %v, want [memory_limiter tail_sampling]", got)
	}
	var types []string
	for _, p := range asList(dig(scfg, "processors", "tail_sampling", "policies")) {
		types = append(types, fmt.Sprint(p.(map[string]any)["type"]))
	}
	for _, want := range []string{"status_code", "latency", "probabilistic"} {
		if !slices.Contains(types, want) {
			t.Errorf("sampling tier policies %v lack %s", types, want)
		}
	}
	if dig(scfg, "processors", "tail_sampling", "num_traces") == nil {
		t.Errorf("tail_sampling has no num_traces bound")
	}
	if len(pipelines(scfg)) != 1 {
		t.Errorf("sampling tier runs pipelines %v, want only traces", pipelines(scfg))
	}
	if got := dig(cfg, "exporters", "load_balancing", "protocol", "otlp", "headers", "authorization"); got != "Bearer ${env:OTELCOL_RECEIVER_TOKEN}" {
		t.Errorf("front tier sends %v to the sampling tier, want the receivers' token", got)
	}
}

func serviceSelects(s *corev1.Service, w workload) bool {
	for k, v := range s.Spec.Selector {
		if w.template.Labels[k] != v {
			return false
		}
	}
	return len(s.Spec.Selector) > 0
}
