package test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

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
