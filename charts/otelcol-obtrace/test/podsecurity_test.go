package test

import (
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
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
