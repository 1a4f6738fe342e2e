package test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

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
