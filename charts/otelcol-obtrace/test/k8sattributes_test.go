package test

// The k8s_attributes step of TestChartOnAPIServer runs the real collector with the chart's
// k8s_attributes configuration against the test cluster, authenticated as the ServiceAccount of
// the agent-collect release (a token from the TokenRequest API), and checks what it adds to the
// spans of a Deployment's pods; then removes the chart's ClusterRoleBinding and checks that the
// same collector, refused by the API server, never opens its receiver.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

// maxSinkBody bounds what the sink reads of one export request.
const maxSinkBody = 4 << 20

// k8sTestEnv is what the collector runs with and what the spans must carry.
type k8sTestEnv struct {
	kubeconfig, bin                        string // kubeconfig: the release's ServiceAccount
	release, releaseNS, workloadNS, deploy string
	node                                   string
	ports                                  []string
}

func clientFor(t *testing.T, kubeconfig string) *kubernetes.Clientset {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	require.NoError(t, err)
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	return cs
}

// spanSink is an OTLP/HTTP JSON receiver on loopback: the resources of every span it got.
type spanSink struct {
	mu        sync.Mutex
	resources []map[string]string
	server    *httptest.Server
}

func newSpanSink(t *testing.T) *spanSink {
	s := &spanSink{}
	s.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ResourceSpans []struct {
				Resource struct {
					Attributes []struct {
						Key   string `json:"key"`
						Value struct {
							StringValue string `json:"stringValue"`
						} `json:"value"`
					} `json:"attributes"`
				} `json:"resource"`
			} `json:"resourceSpans"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSinkBody)).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		for _, rs := range req.ResourceSpans {
			attrs := map[string]string{}
			for _, a := range rs.Resource.Attributes {
				attrs[a.Key] = a.Value.StringValue
			}
			s.resources = append(s.resources, attrs)
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(s.server.Close)
	return s
}

// resourceWith is the first received resource whose attribute key has value, or nil.
func (s *spanSink) resourceWith(key, value string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.resources {
		if r[key] == value {
			return r
		}
	}
	return nil
}

// chartK8sAttributes is the k8s_attributes processor the chart renders for the release under
// test, switched to the test's kubeconfig and made to wait for its caches, so that a
// collector that cannot read the API server refuses to start instead of passing data through.
func chartK8sAttributes(t *testing.T, e k8sTestEnv) map[string]any {
	t.Helper()
	c := renderCase{release: e.release, namespace: e.releaseNS,
		values: []string{filepath.Join(examplesDir, "agent-collect", "values.yaml")}}
	cfg := renderCollected(t, c).collectorConfig(t)
	proc, ok := dig(cfg, "processors", "k8s_attributes").(map[string]any)
	require.True(t, ok, "the chart renders no k8s_attributes processor for %s", e.release)
	proc["auth_type"] = "kubeConfig"
	proc["wait_for_metadata"] = true
	proc["wait_for_metadata_timeout"] = "10s"
	return proc
}

type collectorRun struct {
	cmd    *exec.Cmd
	output *boundedOutput
	done   chan error
}

// boundedOutput keeps the first maxOutput bytes the collector writes, safe to read while it runs.
type boundedOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

const maxOutput = 1 << 20

func (b *boundedOutput) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := maxOutput - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *boundedOutput) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startCollector runs the binary with OTLP/HTTP on ports[0], k8s_attributes, and an otlphttp
// exporter (JSON) to the sink.
func startCollector(t *testing.T, e k8sTestEnv, proc map[string]any, sinkURL string) *collectorRun {
	t.Helper()
	cfg := map[string]any{
		"receivers": map[string]any{"otlp": map[string]any{"protocols": map[string]any{
			"http": map[string]any{"endpoint": "127.0.0.1:" + e.ports[0]}}}},
		"processors": map[string]any{"k8s_attributes": proc},
		"exporters": map[string]any{"otlphttp/sink": map[string]any{
			"endpoint": sinkURL, "encoding": "json", "compression": "none",
			"retry_on_failure": map[string]any{"enabled": false}}},
		"extensions": map[string]any{"health_check": map[string]any{"endpoint": "127.0.0.1:" + e.ports[1]}},
		"service": map[string]any{
			"extensions": []any{"health_check"},
			"telemetry":  map[string]any{"metrics": map[string]any{"level": "none"}},
			"pipelines": map[string]any{"traces": map[string]any{
				"receivers": []any{"otlp"}, "processors": []any{"k8s_attributes"}, "exporters": []any{"otlphttp/sink"}}},
		},
	}
	text, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(file, text, 0o600))
	run := &collectorRun{cmd: exec.Command(e.bin, "--config="+file), output: &boundedOutput{}, done: make(chan error, 1)}
	run.cmd.Env = append(os.Environ(), "KUBECONFIG="+e.kubeconfig, "K8S_NODE_NAME="+e.node)
	run.cmd.Stdout, run.cmd.Stderr = run.output, run.output
	require.NoError(t, run.cmd.Start())
	go func() { run.done <- run.cmd.Wait() }()
	t.Cleanup(func() {
		_ = run.cmd.Process.Kill()
		select {
		case err := <-run.done:
			t.Logf("collector stopped: %v", err)
		case <-time.After(10 * time.Second):
		}
		if t.Failed() {
			t.Logf("collector output:\n%s", run.output.String())
		}
	})
	return run
}

func (r *collectorRun) exited() bool {
	select {
	case err := <-r.done:
		r.done <- err
		return true
	default:
		return false
	}
}

// otlpTrace is one OTLP/JSON export request: one resource (with attrs) and one span per entry.
func otlpTrace(resources []map[string]string) []byte {
	var rs []map[string]any
	now := time.Now().UnixNano()
	for i, attrs := range resources {
		var kv []map[string]any
		for k, v := range attrs {
			kv = append(kv, map[string]any{"key": k, "value": map[string]any{"stringValue": v}})
		}
		rs = append(rs, map[string]any{
			"resource": map[string]any{"attributes": kv},
			"scopeSpans": []any{map[string]any{"spans": []any{map[string]any{
				"traceId": fmt.Sprintf("%032x", i+1), "spanId": fmt.Sprintf("%016x", i+1), "name": "k8s-test",
				"kind": 2, "startTimeUnixNano": strconv.FormatInt(now-1e6, 10), "endTimeUnixNano": strconv.FormatInt(now, 10)}}}},
		})
	}
	b, _ := json.Marshal(map[string]any{"resourceSpans": rs})
	return b
}

func postTraces(port string, body []byte) error {
	resp, err := http.Post("http://127.0.0.1:"+port+"/v1/traces", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // drained below; only the status counts
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

func k8sAttributesAgainstAPIServer(t *testing.T, e k8sTestEnv, admin kubernetes.Interface) {
	ctx := context.Background()
	sa := clientFor(t, e.kubeconfig)

	// The Deployment's pods, as the ServiceAccount sees them (this already needs the binding).
	pods, err := sa.CoreV1().Pods(e.workloadNS).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=" + e.deploy})
	require.NoError(t, err, "the release's ServiceAccount cannot list pods")
	require.GreaterOrEqual(t, len(pods.Items), 2, "want at least 2 pods of %s/%s", e.workloadNS, e.deploy)
	for _, p := range pods.Items {
		require.NotEmpty(t, p.Status.PodIP, "pod %s has no IP yet", p.Name)
	}
	proc := chartK8sAttributes(t, e)

	t.Run("metadata through the chart's RBAC", func(t *testing.T) {
		sink := newSpanSink(t)
		start := time.Now()
		run := startCollector(t, e, proc, sink.server.URL)
		var ready time.Duration
		require.Eventually(t, func() bool {
			if run.exited() {
				return true
			}
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+e.ports[0], time.Second)
			if err == nil {
				_ = c.Close() // only probing that the port accepts
				ready = time.Since(start)
			}
			return err == nil
		}, 60*time.Second, 200*time.Millisecond, "collector did not listen")
		require.False(t, run.exited(), "the collector exited:\n%s", run.output.String())

		var resources []map[string]string
		for _, p := range pods.Items {
			resources = append(resources, map[string]string{"k8s.pod.ip": p.Status.PodIP, "service.name": "checkout"})
		}
		// A service that set its own namespace keeps it; an address no pod has gets nothing.
		resources = append(resources,
			map[string]string{"k8s.pod.ip": pods.Items[0].Status.PodIP, "k8s.namespace.name": "set-by-service", "test.case": "preset"},
			map[string]string{"k8s.pod.ip": "10.255.255.254", "test.case": "unknown-ip"})
		require.NoError(t, postTraces(e.ports[0], otlpTrace(resources)))

		require.Eventually(t, func() bool {
			return sink.resourceWith("test.case", "unknown-ip") != nil && sink.resourceWith("test.case", "preset") != nil
		}, 30*time.Second, 100*time.Millisecond, "the sink did not receive the spans")
		for _, p := range pods.Items {
			got := sink.resourceWith("k8s.pod.name", p.Name)
			require.NotNil(t, got, "no span of pod %s (%s) carries k8s.pod.name", p.Name, p.Status.PodIP)
			want := map[string]string{
				"k8s.pod.ip": p.Status.PodIP, "k8s.pod.uid": string(p.UID), "k8s.namespace.name": e.workloadNS,
				"k8s.deployment.name": e.deploy, "k8s.node.name": e.node,
				"app.kubernetes.io/name": p.Labels["app.kubernetes.io/name"], "app.kubernetes.io/version": p.Labels["app.kubernetes.io/version"],
				"team": p.Labels["example.com/team"], "service.name": "checkout",
			}
			for k, v := range want {
				require.NotEmpty(t, v, "test setup: pod %s lacks what %s comes from", p.Name, k)
				require.Equal(t, v, got[k], "pod %s: %s", p.Name, k)
			}
			require.NotEmpty(t, got["k8s.replicaset.name"], "pod %s: k8s.replicaset.name", p.Name)
			t.Logf("pod %s (%s): %d resource attributes: %v", p.Name, p.Status.PodIP, len(got), got)
		}
		preset := sink.resourceWith("test.case", "preset")
		require.Equal(t, "set-by-service", preset["k8s.namespace.name"], "k8s_attributes overwrote what the service set")
		require.Equal(t, pods.Items[0].Name, preset["k8s.pod.name"])
		unknown := sink.resourceWith("test.case", "unknown-ip")
		require.Empty(t, unknown["k8s.pod.name"], "an address no pod has got pod metadata: %v", unknown)
		t.Logf("collector listening %v after start (caches synced, wait_for_metadata); %d resources received", ready.Round(time.Millisecond), len(sink.resources))
	})

	t.Run("without the ClusterRoleBinding the collector does not start", func(t *testing.T) {
		rbac := admin.RbacV1().ClusterRoleBindings()
		name := e.releaseNS + "-" + chartFullname(e.release)
		binding, err := rbac.Get(ctx, name, metav1.GetOptions{})
		require.NoError(t, err, "the chart's ClusterRoleBinding %s", name)
		require.NoError(t, rbac.Delete(ctx, name, metav1.DeleteOptions{}))
		t.Cleanup(func() {
			restored := binding.DeepCopy()
			restored.ResourceVersion, restored.UID, restored.CreationTimestamp = "", "", metav1.Time{}
			if _, err := rbac.Create(ctx, restored, metav1.CreateOptions{}); err != nil {
				t.Errorf("restoring ClusterRoleBinding %s: %v", name, err)
			}
		})
		// The authorizer follows RBAC changes through its own watch: wait until it refuses.
		require.Eventually(t, func() bool {
			_, err := sa.CoreV1().Pods(e.workloadNS).List(ctx, metav1.ListOptions{Limit: 1})
			return apierrors.IsForbidden(err)
		}, 30*time.Second, 200*time.Millisecond, "the ServiceAccount can still list pods without the binding")

		// wait_for_metadata: the processor's start waits for a pod list the API server refuses,
		// so the receivers never open and nothing passes without metadata.
		sink := newSpanSink(t)
		start := time.Now()
		run := startCollector(t, e, proc, sink.server.URL)
		require.Eventually(t, func() bool {
			return strings.Contains(run.output.String(), "forbidden")
		}, 60*time.Second, 200*time.Millisecond, "the collector's output does not show the API server refusing")
		forbiddenAfter := time.Since(start)
		// Past the processor's wait_for_metadata_timeout (10s), the receiver still does not listen.
		deadline := start.Add(15 * time.Second)
		for time.Now().Before(deadline) {
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+e.ports[0], time.Second)
			if err == nil {
				_ = c.Close() // only probing that the port accepts
				t.Fatalf("the collector's OTLP receiver listens although k8s_attributes cannot read pods:\n%s", run.output.String())
			}
			time.Sleep(250 * time.Millisecond)
		}
		require.Empty(t, sink.resources)
		t.Logf("without the binding: API server refused after %v; receiver still closed after %v (exited: %v); %s",
			forbiddenAfter.Round(time.Millisecond), time.Since(start).Round(time.Second), run.exited(), firstLineWith(run.output.String(), "forbidden"))
	})
}

// chartFullname is the chart's fullname for a release (nameOverride and fullnameOverride unset).
func chartFullname(release string) string {
	if strings.Contains(release, "otelcol-obtrace") {
		return release
	}
	return release + "-otelcol-obtrace"
}

func firstLineWith(text, s string) string {
	for l := range strings.SplitSeq(text, "\n") {
		if strings.Contains(l, s) {
			if len(l) > 300 {
				return l[:300] + "…"
			}
			return l
		}
	}
	return ""
}
