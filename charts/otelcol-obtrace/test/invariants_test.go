package test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"
)

// The Pod Security level every pod template must pass: "restricted", except an agent that
// mounts host directories (host metrics, container logs): hostPath volumes need "privileged".
// That agent must fail "baseline" for its hostPath volumes and nothing else, so nothing but
// what it reads from the host lifts it above "restricted"'s neighbours.
func TestPodSecurity(t *testing.T) {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	level := func(l api.Level) api.LevelVersion { return api.LevelVersion{Level: l, Version: api.LatestVersion()} }
	evaluate := func(w workload, l api.Level) policy.AggregateCheckResult {
		return policy.AggregateCheckResults(evaluator.EvaluatePod(level(l), &w.template.ObjectMeta, &w.template.Spec))
	}
	privilegedCases := 0
	for _, c := range allCases(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range renderCollected(t, c).workloads {
				if !hasHostPath(w) {
					if res := evaluate(w, api.LevelRestricted); !res.Allowed {
						t.Errorf("%s/%s violates Pod Security restricted: %s", w.kind, w.name, res.ForbiddenDetail())
					}
					continue
				}
				privilegedCases++
				if !w.agent() {
					t.Errorf("%s/%s (%s) mounts a hostPath; only the agent may", w.kind, w.name, w.tier())
				}
				res := evaluate(w, api.LevelBaseline)
				if res.Allowed {
					t.Errorf("%s/%s with hostPath volumes passed baseline; the check is not effective", w.kind, w.name)
				}
				if got := strings.Join(res.ForbiddenReasons, "; "); got != "hostPath volumes" {
					t.Errorf("%s/%s fails baseline for %q; want only \"hostPath volumes\"", w.kind, w.name, got)
				}
				if ns := w.namespace; ns == namespace {
					t.Errorf("%s/%s needs Pod Security privileged but installs into %s, the gateway's restricted namespace", w.kind, w.name, ns)
				}
			}
		})
	}
	if privilegedCases == 0 {
		t.Error("no case renders the collecting agent; the privileged branch is untested")
	}
	// The check does catch something: the opt-in hostPath log mount and
	// hostPorts of the otherwise restricted agent are not allowed at the restricted level.
	t.Run("agent-hostlogs-is-rejected", func(t *testing.T) {
		c := renderCase{release: "otelcol-obtrace-agent",
			values: []string{filepath.Join(examplesDir, "agent-to-gateway", "values.yaml")},
			sets:   []string{"agent.hostLogs.enabled=true", "agent.hostPorts.enabled=true"}}
		res := evaluate(renderCollected(t, c).main(), api.LevelRestricted)
		if res.Allowed {
			t.Fatal("a hostPath volume and hostPorts passed the restricted level; the policy check is not effective")
		}
		for _, want := range []string{"hostPath", "hostPort"} {
			if !strings.Contains(res.ForbiddenDetail(), want) {
				t.Errorf("expected a %s finding, got: %s", want, res.ForbiddenDetail())
			}
		}
	})
}

func hasHostPath(w workload) bool {
	for _, v := range w.template.Spec.Volumes {
		if v.HostPath != nil {
			return true
		}
	}
	return false
}

func TestInvariants(t *testing.T) {
	for _, c := range allCases(t) {
		t.Run(c.name, func(t *testing.T) {
			r := renderCollected(t, c)
			for _, w := range r.workloads {
				checkWorkload(t, r, w)
			}
			w := r.main()
			agent := w.agent()
			cfg := w.collectorConfig(t)
			checkServices(t, r, agent)
			checkRBAC(t, r)
			if agent {
				checkAgentHost(t, w, cfg)
				checkNetworkPolicy(t, r, w)
			}
			if !agent {
				if len(r.pdbs) != 1 {
					t.Errorf("gateway mode: expected 1 PodDisruptionBudget, got %d", len(r.pdbs))
				}
				autoscaled := len(r.hpas) == 1
				if autoscaled {
					ref := r.hpas[0].Spec.ScaleTargetRef
					if ref.Kind != w.kind || ref.Name != w.name || ref.APIVersion != "apps/v1" {
						t.Errorf("HPA targets %s %s/%s, want apps/v1 %s/%s", ref.APIVersion, ref.Kind, ref.Name, w.kind, w.name)
					}
				}
				if w.kind == "StatefulSet" {
					checkStatefulSet(t, r)
				}
				if pipelines, _ := dig(cfg, "service", "pipelines", "metrics", "processors").([]any); !containsAny(pipelines, "semanticmetrics") {
					t.Errorf("gateway metrics pipeline lacks semanticmetrics: %v", pipelines)
				}
				if dig(cfg, "processors", "semanticmetrics", "mode") != "warn" {
					t.Errorf("semanticmetrics mode = %v, want warn", dig(cfg, "processors", "semanticmetrics", "mode"))
				}
				checkTailSampling(t, r, w, cfg)
			} else {
				if len(r.hpas)+len(r.pdbs) != 0 {
					t.Errorf("agent mode renders no HPA/PDB, got %d/%d", len(r.hpas), len(r.pdbs))
				}
				if dig(cfg, "exporters", "obtrace") != nil {
					t.Errorf("agent mode must not export to Obtrace directly")
				}
				if ep, _ := dig(cfg, "exporters", "otlp/gateway", "endpoint").(string); ep == "" {
					t.Errorf("agent mode exports to no gateway endpoint")
				}
			}
		})
	}
}

// checkWorkload: what holds for every workload, the sampling tier's included.
func checkWorkload(t *testing.T, r rendered, w workload) {
	t.Helper()
	ctr := container(t, w)
	cfg := w.collectorConfig(t)
	checkSecurity(t, w, ctr)
	checkProbes(t, ctr)
	checkAPIKey(t, r, w, ctr)
	checkGatewayToken(t, r, w, ctr, cfg)
	checkDurableQueue(t, w, cfg)
	checkChecksum(t, w)
	checkMemoryLimiter(t, cfg, ctr)
	// Selector must match the pod labels (else the workload is invalid).
	for k, v := range w.selector.MatchLabels {
		if w.template.Labels[k] != v {
			t.Errorf("%s selector %s=%s does not match pod labels %v", w.name, k, v, w.template.Labels)
		}
	}
	// No other workload of the release matches this selector (each Service reaches one tier).
	for _, o := range r.workloads {
		if o.name == w.name {
			continue
		}
		matches := true
		for k, v := range w.selector.MatchLabels {
			matches = matches && o.template.Labels[k] == v
		}
		if matches {
			t.Errorf("the selector of %s also matches the pods of %s", w.name, o.name)
		}
	}
}

func containsAny(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func checkSecurity(t *testing.T, w workload, ctr *corev1.Container) {
	t.Helper()
	psc, sc := w.template.Spec.SecurityContext, ctr.SecurityContext
	if psc == nil || sc == nil {
		t.Fatalf("missing pod or container securityContext")
	}
	// Only an agent that reads /var/log/pods (root-owned, 0640) runs as UID 0, without capabilities.
	wantUID, wantNonRoot := int64(10001), true
	if readsContainerLogs(w) {
		wantUID, wantNonRoot = 0, false
	}
	if psc.RunAsNonRoot == nil || *psc.RunAsNonRoot != wantNonRoot || sc.RunAsNonRoot == nil || *sc.RunAsNonRoot != wantNonRoot {
		t.Errorf("runAsNonRoot must be %v on pod and container", wantNonRoot)
	}
	if sc.RunAsUser == nil || *sc.RunAsUser != wantUID {
		t.Errorf("container runAsUser = %v, want %d", sc.RunAsUser, wantUID)
	}
	if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod seccompProfile must be RuntimeDefault, got %v", psc.SeccompProfile)
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("readOnlyRootFilesystem must be true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("allowPrivilegeEscalation must be false")
	}
	if sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 {
		t.Errorf("capabilities must drop ALL and add none, got %+v", sc.Capabilities)
	}
}

func checkProbes(t *testing.T, ctr *corev1.Container) {
	t.Helper()
	for name, p := range map[string]*corev1.Probe{"liveness": ctr.LivenessProbe, "readiness": ctr.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Port.IntValue() != 13133 {
			t.Errorf("%s probe must be an HTTP GET on health_check :13133, got %+v", name, p)
		}
	}
}

func checkAPIKey(t *testing.T, r rendered, w workload, ctr *corev1.Container) {
	t.Helper()
	agent := w.agent()
	var keyEnv *corev1.EnvVar
	for i, e := range ctr.Env {
		if e.Name == "OBTRACE_API_KEY" {
			keyEnv = &ctr.Env[i]
		}
	}
	if !agent {
		if keyEnv == nil {
			t.Fatalf("gateway container has no OBTRACE_API_KEY")
		}
		if keyEnv.Value != "" || keyEnv.ValueFrom == nil || keyEnv.ValueFrom.SecretKeyRef == nil {
			t.Fatalf("OBTRACE_API_KEY must come only from a secretKeyRef, got %+v", keyEnv)
		}
	}
	if keyEnv != nil {
		ref := keyEnv.ValueFrom.SecretKeyRef
		// The referenced Secret is either chart-made (then rendered here) or existing.
		for _, s := range r.secrets {
			if s.Name == ref.Name {
				if _, ok := s.Data[ref.Key]; !ok {
					t.Errorf("Secret %s has no key %s", s.Name, ref.Key)
				}
			}
		}
	}
	if cfg := w.collectorConfig(t); dig(cfg, "exporters", "obtrace") != nil {
		if got := dig(cfg, "exporters", "obtrace", "api_key"); got != "${env:OBTRACE_API_KEY}" {
			t.Errorf("exporter api_key = %q, want ${env:OBTRACE_API_KEY}", got)
		}
	}
	// No secret value in any ConfigMap, nor in any env value.
	secrets := []string{secretValueForTests, tokenValueForTests}
	for _, s := range r.secrets {
		for _, v := range s.Data {
			secrets = append(secrets, string(v))
		}
	}
	for _, cm := range r.configMaps {
		for k, v := range cm.Data {
			for _, s := range secrets {
				if s != "" && strings.Contains(v, s) {
					t.Errorf("ConfigMap %s key %s contains the API key", cm.Name, k)
				}
			}
		}
	}
	for _, e := range ctr.Env {
		for _, s := range secrets {
			if s != "" && e.Value != "" && strings.Contains(e.Value, s) {
				t.Errorf("env %s contains the API key inline", e.Name)
			}
		}
	}
}

// The gateway token (as configs/gateway.yaml and configs/agent.yaml): the gateway's OTLP
// receivers require it (bearertokenauth/receivers reading ${env:OTELCOL_RECEIVER_TOKEN}), the
// agent sends it as a header from ${env:OTELCOL_GATEWAY_TOKEN}. The env var comes only from a
// secretKeyRef; the token is in no ConfigMap.
func checkGatewayToken(t *testing.T, r rendered, w workload, ctr *corev1.Container, cfg map[string]any) {
	t.Helper()
	agent := w.agent()
	want, other := "OTELCOL_RECEIVER_TOKEN", "OTELCOL_GATEWAY_TOKEN"
	if agent {
		want, other = other, want
	}
	// An agent with agent.receiverToken checks a token of its own as well.
	agentAuth := agent && dig(cfg, "extensions", "bearertokenauth/receivers") != nil
	var env *corev1.EnvVar
	for i, e := range ctr.Env {
		switch {
		case e.Name == want:
			env = &ctr.Env[i]
		case e.Name == other && agentAuth:
			if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				t.Errorf("%s must come only from a secretKeyRef, got %+v", e.Name, e)
			}
		case e.Name == other:
			t.Errorf("%s is set in %s; want only %s", other, w.name, want)
		}
	}
	// Every workload's OTLP receivers bound nesting before decoding.
	if dig(cfg, "receivers", "otlp") != nil {
		for _, proto := range []string{"grpc", "http"} {
			if dig(cfg, "receivers", "otlp", "protocols", proto) == nil {
				continue
			}
			mw, _ := dig(cfg, "receivers", "otlp", "protocols", proto, "middlewares").([]any)
			var first map[string]any
			if len(mw) == 1 {
				first, _ = mw[0].(map[string]any)
			}
			if dig(first, "id") != "otlpguard" {
				t.Errorf("otlp %s receiver middlewares = %v, want [{id: otlpguard}]", proto, mw)
			}
		}
	}
	if agent {
		for _, proto := range []string{"grpc", "http"} {
			got := dig(cfg, "receivers", "otlp", "protocols", proto, "auth", "authenticator")
			if agentAuth != (got == "otlpguard") && dig(cfg, "receivers", "otlp") != nil {
				t.Errorf("agent otlp %s authenticator = %v with receiver token %v", proto, got, agentAuth)
			}
		}
	}
	if env == nil {
		t.Fatalf("container has no %s", want)
	}
	if env.Value != "" || env.ValueFrom == nil || env.ValueFrom.SecretKeyRef == nil {
		t.Fatalf("%s must come only from a secretKeyRef, got %+v", want, env)
	}
	ref := env.ValueFrom.SecretKeyRef
	var tokenValue string
	for _, s := range r.secrets {
		if s.Name == ref.Name {
			v, ok := s.Data[ref.Key]
			if !ok {
				t.Errorf("Secret %s has no key %s", s.Name, ref.Key)
			}
			tokenValue = string(v)
		}
	}
	if agent {
		if got := dig(cfg, "exporters", "otlp/gateway", "headers", "authorization"); got != "Bearer ${env:OTELCOL_GATEWAY_TOKEN}" {
			t.Errorf("agent authorization header = %q, want Bearer ${env:OTELCOL_GATEWAY_TOKEN}", got)
		}
	} else {
		if got := dig(cfg, "extensions", "bearertokenauth/receivers", "token"); got != "${env:OTELCOL_RECEIVER_TOKEN}" {
			t.Errorf("bearertokenauth/receivers token = %q, want ${env:OTELCOL_RECEIVER_TOKEN}", got)
		}
		protos := []string{"grpc", "http"}
		if w.tier() == "sampler" {
			protos = protos[:1] // the sampling tier takes gRPC from the front tier only
			if dig(cfg, "receivers", "otlp", "protocols", "http") != nil {
				t.Errorf("sampling tier listens on OTLP/HTTP")
			}
		}
		// otlpguard authenticates (gRPC: before the message is read) by asking bearertokenauth/receivers.
		for _, proto := range protos {
			if got := dig(cfg, "receivers", "otlp", "protocols", proto, "auth", "authenticator"); got != "otlpguard" {
				t.Errorf("otlp %s receiver authenticator = %v, want otlpguard", proto, got)
			}
		}
		if got := dig(cfg, "extensions", "otlpguard", "authenticator"); got != "bearertokenauth/receivers" {
			t.Errorf("otlpguard authenticator = %v, want bearertokenauth/receivers", got)
		}
		if exts, _ := dig(cfg, "service", "extensions").([]any); !containsAny(exts, "bearertokenauth/receivers") || !containsAny(exts, "otlpguard") {
			t.Errorf("service.extensions lacks bearertokenauth/receivers or otlpguard: %v", exts)
		}
	}
	// The token (chart-made Secret or the test value) is in no ConfigMap.
	for _, cm := range r.configMaps {
		for k, v := range cm.Data {
			for _, s := range []string{tokenValue, tokenValueForTests} {
				if s != "" && strings.Contains(v, s) {
					t.Errorf("ConfigMap %s key %s contains the gateway token", cm.Name, k)
				}
			}
		}
	}
}

// As the shipped configs: no batch processor (it acknowledges clients while data is only in
// memory); batching in the sending_queue after the persistent queue; queue dir 0700, fsync on.
func checkDurableQueue(t *testing.T, w workload, cfg map[string]any) {
	t.Helper()
	exporter := "obtrace"
	if w.agent() {
		exporter = "otlp/gateway"
	}
	if len(pipelines(cfg)) == 0 {
		t.Errorf("%s has no pipeline", w.name)
	}
	for p := range pipelines(cfg) {
		procs, _ := dig(cfg, "service", "pipelines", p, "processors").([]any)
		for _, proc := range procs {
			if s, _ := proc.(string); s == "batch" || strings.HasPrefix(s, "batch/") {
				t.Errorf("pipeline %s has a %s processor; batching belongs in the sending_queue", p, s)
			}
		}
	}
	if dig(cfg, "exporters", exporter, "sending_queue", "storage") != "file_storage/queue" {
		t.Errorf("%s sending_queue is not on file_storage/queue", exporter)
	}
	if dig(cfg, "exporters", exporter, "sending_queue", "batch") == nil {
		t.Errorf("%s sending_queue has no batch section", exporter)
	}
	if got := dig(cfg, "extensions", "file_storage/queue", "directory_permissions"); got != "0700" {
		t.Errorf("file_storage/queue directory_permissions = %v, want \"0700\"", got)
	}
	if got := dig(cfg, "extensions", "file_storage/queue", "fsync"); got != true {
		t.Errorf("file_storage/queue fsync = %v, want true", got)
	}
	if exporter == "obtrace" {
		// What ingest refuses for good must outlive the pod like the queue: on its volume.
		queueDir, _ := dig(cfg, "extensions", "file_storage/queue", "directory").(string)
		if dir, _ := dig(cfg, "exporters", "obtrace", "dead_letter", "directory").(string); queueDir == "" || !strings.HasPrefix(dir, queueDir+"/") {
			t.Errorf("obtrace dead_letter.directory = %q, want a directory below the queue's %q", dir, queueDir)
		}
	}
}

func checkChecksum(t *testing.T, w workload) {
	t.Helper()
	sum := sha256.Sum256([]byte(w.collectorConfigText(t)))
	want := hex.EncodeToString(sum[:])
	if got := w.template.Annotations["checksum/config"]; got != want {
		t.Errorf("checksum/config = %q, want sha256 of the ConfigMap's config.yaml %q", got, want)
	}
}

// memory_limiter: limit_mib = 80% of the memory limit, spike = 25% of that;
// without a memory limit it falls back to percentages.
func checkMemoryLimiter(t *testing.T, cfg map[string]any, ctr *corev1.Container) {
	t.Helper()
	ml, _ := dig(cfg, "processors", "memory_limiter").(map[string]any)
	if ml == nil {
		t.Fatal("no memory_limiter processor")
	}
	for p := range pipelines(cfg) {
		procs, _ := dig(cfg, "service", "pipelines", p, "processors").([]any)
		if len(procs) == 0 || procs[0] != "memory_limiter" {
			t.Errorf("pipeline %s must start with memory_limiter, got %v", p, procs)
		}
	}
	limit, ok := ctr.Resources.Limits[corev1.ResourceMemory]
	if !ok {
		if ml["limit_percentage"] == nil {
			t.Errorf("no memory limit and no limit_percentage: %v", ml)
		}
		return
	}
	mib := limit.Value() / (1 << 20)
	wantLimit := mib * 80 / 100
	wantSpike := wantLimit * 25 / 100
	if num(ml["limit_mib"]) != wantLimit || num(ml["spike_limit_mib"]) != wantSpike {
		t.Errorf("memory_limiter limit_mib/spike_limit_mib = %v/%v, want %d/%d for a %s limit",
			ml["limit_mib"], ml["spike_limit_mib"], wantLimit, wantSpike, limit.String())
	}
	for _, e := range ctr.Env {
		if e.Name == "GOMEMLIMIT" {
			q := resource.MustParse(strings.TrimSuffix(e.Value, "B"))
			if q.Value() != wantLimit<<20 {
				t.Errorf("GOMEMLIMIT = %s, want %dMiB", e.Value, wantLimit)
			}
		}
	}
}

func num(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case int:
		return int64(n)
	}
	return -1
}

func checkServices(t *testing.T, r rendered, agent bool) {
	t.Helper()
	var main *corev1.Service
	for _, s := range r.services {
		if s.Spec.ClusterIP != corev1.ClusterIPNone {
			main = s
		}
	}
	if main == nil {
		t.Fatal("no (non-headless) Service")
	}
	ports := map[int32]bool{}
	for _, p := range main.Spec.Ports {
		ports[p.Port] = true
	}
	for _, p := range []int32{4317, 4318, 8888} {
		if !ports[p] {
			t.Errorf("Service %s lacks port %d", main.Name, p)
		}
	}
	local := main.Spec.InternalTrafficPolicy != nil && *main.Spec.InternalTrafficPolicy == corev1.ServiceInternalTrafficPolicyLocal
	if agent != local {
		t.Errorf("Service internalTrafficPolicy Local = %v, want %v (agent mode)", local, agent)
	}
}

func checkStatefulSet(t *testing.T, r rendered) {
	t.Helper()
	for _, m := range r.all {
		sts, ok := m.Obj.(*appsv1.StatefulSet)
		if !ok {
			continue
		}
		if len(sts.Spec.VolumeClaimTemplates) != 1 || sts.Spec.VolumeClaimTemplates[0].Name != "queue" {
			t.Errorf("StatefulSet needs one volumeClaimTemplate named queue, got %d", len(sts.Spec.VolumeClaimTemplates))
		}
		for _, v := range sts.Spec.Template.Spec.Volumes {
			if v.Name == "queue" {
				t.Errorf("StatefulSet pod template must not also define a queue volume (%+v)", v.VolumeSource)
			}
		}
		headless := false
		for _, s := range r.services {
			if s.Spec.ClusterIP == corev1.ClusterIPNone && s.Name == sts.Spec.ServiceName {
				headless = true
			}
		}
		if !headless {
			t.Errorf("StatefulSet serviceName %q has no headless Service", sts.Spec.ServiceName)
		}
	}
}

// A config change changes the checksum/config annotation, so pods roll.
func TestConfigChangeRollsPods(t *testing.T) {
	minimal := []string{filepath.Join(examplesDir, "gateway-minimal", "values.yaml")}
	a := renderCollected(t, renderCase{release: "r", values: minimal})
	b := renderCollected(t, renderCase{release: "r", values: minimal, sets: []string{"config.exporters.obtrace.sending_queue.batch.flush_timeout=5s"}})
	ca := a.main().template.Annotations["checksum/config"]
	cb := b.main().template.Annotations["checksum/config"]
	if ca == "" || ca == cb {
		t.Fatalf("checksum/config did not change with the config: %q vs %q", ca, cb)
	}
	if got := dig(b.collectorConfig(t), "exporters", "obtrace", "sending_queue", "batch", "flush_timeout"); got != "5s" {
		t.Errorf("config override not merged: sending_queue.batch.flush_timeout = %v", got)
	}
	if got := dig(b.collectorConfig(t), "exporters", "obtrace", "sending_queue", "batch", "min_size"); num(got) != 8192 {
		t.Errorf("deep merge lost the default sending_queue.batch.min_size: %v", got)
	}
}

// The schema rejects typos and wrong types; required values fail clearly.
func TestValuesRejected(t *testing.T) {
	minimal := []string{filepath.Join(examplesDir, "gateway-minimal", "values.yaml")}
	cases := []struct {
		name  string
		sets  []string
		wants []string
	}{
		{"misspelled top-level key", []string{"replicaCont=3"}, []string{"replicaCont", "not allowed"}},
		{"misspelled nested key", []string{"obtrace.apiKey.existingSecretName=x"}, []string{"existingSecretName", "not allowed"}},
		{"wrong type", []string{"autoscaling.maxReplicas=ten"}, []string{"maxReplicas", "want integer"}},
		{"unknown mode", []string{"mode=sidecar"}, []string{"mode"}},
		{"bad memory quantity", []string{"resources.limits.memory=lots"}, []string{"memory"}},
		{"agent without gateway", []string{"mode=agent"}, []string{"agent.gatewayEndpoint is required"}},
		{"misspelled collect switch", []string{"agent.collect.hostMetric=true"}, []string{"hostMetric", "not allowed"}},
		{"agent collects nothing", []string{"mode=agent", "agent.gatewayEndpoint=gw:4317", "agent.collect.otlp=false",
			"agent.collect.hostMetrics=false", "agent.collect.containerLogs=false"}, []string{"agent mode collects nothing"}},
		{"latency threshold in hours", []string{"tailSampling.policies.latencyThreshold=1h"}, []string{"latencyThreshold"}},
		{"sampling share above 100", []string{"tailSampling.policies.probabilisticPercentage=150"}, []string{"probabilisticPercentage"}},
		{"unbounded log line", []string{"agent.collect.maxLogSize=1GiB"}, []string{"maxLogSize"}},
		{"pod label that is no label key", []string{"k8sAttributes.podLabels.team=not a label"}, []string{"podLabels"}},
		{"relative state path", []string{"agent.statePath=var/lib"}, []string{"statePath"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := render(t, "r", minimal, c.sets...)
			if err == nil {
				t.Fatalf("helm template --set %v succeeded; want a failure", c.sets)
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
	t.Run("gateway without receiver token", func(t *testing.T) {
		_, err := render(t, "r", nil, "obtrace.apiKey.value="+secretValueForTests)
		if err == nil || !strings.Contains(err.Error(), "gateway mode needs a receiver token") {
			t.Fatalf("want a clear receiver token error, got %v", err)
		}
	})
	t.Run("agent without gateway token", func(t *testing.T) {
		_, err := render(t, "r", nil, "mode=agent", "agent.gatewayEndpoint=gw:4317")
		if err == nil || !strings.Contains(err.Error(), "agent mode needs the gateway's receiver token") {
			t.Fatalf("want a clear gateway token error, got %v", err)
		}
	})
	t.Run("gateway without API key", func(t *testing.T) {
		_, err := render(t, "r", nil)
		if err == nil || !strings.Contains(err.Error(), "gateway mode needs an Obtrace API key") {
			t.Fatalf("want a clear API key error, got %v", err)
		}
	})
}

// With OTELCOL_BIN, the real binary validates every rendered configuration.
func TestRenderedConfigValidates(t *testing.T) {
	bin := os.Getenv("OTELCOL_BIN")
	if bin == "" {
		t.Skip("SKIP: set OTELCOL_BIN=/path/to/otelcol-obtrace to validate the rendered collector configs with the binary")
	}
	for _, c := range allCases(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range renderCollected(t, c).workloads {
				cfg := w.collectorConfig(t)
				// host_metrics checks that root_path exists: /hostfs is the pod's mount of the
				// host root, so here it is a directory of the test's.
				if dig(cfg, "receivers", "host_metrics") != nil {
					cfg["receivers"].(map[string]any)["host_metrics"].(map[string]any)["root_path"] = t.TempDir()
				}
				text, err := yaml.Marshal(cfg)
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(t.TempDir(), "config.yaml")
				if err := os.WriteFile(file, text, 0o600); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(bin, "validate", "--config="+file)
				cmd.Env = append(os.Environ(), "OBTRACE_API_KEY=obt_live_test_validate_key", "K8S_NODE_NAME=node-1",
					"OTELCOL_RECEIVER_TOKEN=test-validate-token", "OTELCOL_GATEWAY_TOKEN=test-validate-token")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s validate --config=%s (%s): %v\n%s", bin, file, w.name, err, out)
				}
			}
		})
	}
}
