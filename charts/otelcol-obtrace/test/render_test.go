// Package test renders the otelcol-obtrace Helm chart with the helm binary and
// checks the result: golden manifests, strict decoding into typed Kubernetes
// objects, the Pod Security "restricted" level, chart invariants, the values
// schema, and (with OTELCOL_BIN) the rendered collector configuration. With K8S_TEST_KUBECONFIG,
// set by build/k8s-test.sh, TestChartOnAPIServer installs it on a real API server.
package test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

const (
	namespace = "observability"
	// secretValueForTests is what the tests pass as obtrace.apiKey.value; it
	// must never show up in a ConfigMap.
	secretValueForTests = "obt_live_TEST_SECRET_DO_NOT_LEAK"
	// tokenValueForTests is what the tests pass as gatewayToken.value; it must
	// never show up in a ConfigMap or an inline env value either.
	tokenValueForTests = "TEST_RECEIVER_TOKEN_DO_NOT_LEAK"
)

var (
	chartDir    = ".."
	examplesDir = filepath.Join("..", "examples")
)

// ---- helm -------------------------------------------------------------------------------------

func helmBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("HELM")
	if bin == "" {
		bin = filepath.Join("..", "..", "..", ".tools", "bin", "helm")
	}
	if abs, err := filepath.Abs(bin); err == nil {
		bin = abs
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("helm binary not found at %s (set HELM or run `make tools`); CI=true so this is a failure", bin)
		}
		t.Skipf("SKIP: helm binary not found at %s (set HELM or run `make tools`)", bin)
	}
	return bin
}

func kubeVersion() string {
	if v := os.Getenv("KUBE_VERSION"); v != "" {
		return v
	}
	return "1.34.0"
}

// render runs `helm template` into the namespace observability and returns stdout, or the
// combined error text.
func render(t *testing.T, release string, valuesFiles []string, sets ...string) (string, error) {
	t.Helper()
	return renderIn(t, namespace, release, valuesFiles, sets...)
}

func renderIn(t *testing.T, ns, release string, valuesFiles []string, sets ...string) (string, error) {
	t.Helper()
	args := []string{"template", release, chartDir, "--namespace", ns, "--kube-version", kubeVersion()}
	for _, f := range valuesFiles {
		args = append(args, "-f", f)
	}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	cmd := exec.Command(helmBin(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("helm %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

func mustRender(t *testing.T, c renderCase) string {
	t.Helper()
	out, err := renderIn(t, c.ns(), c.release, c.values, c.sets...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// ---- decoding ---------------------------------------------------------------------------------

var strictSerializer = json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
	json.SerializerOptions{Yaml: true, Strict: true})

// serviceMonitor is the subset of monitoring.coreos.com/v1 ServiceMonitor the
// chart renders; decoding into it is strict too.
type serviceMonitor struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Selector          metav1.LabelSelector `json:"selector"`
		NamespaceSelector struct {
			MatchNames []string `json:"matchNames"`
		} `json:"namespaceSelector"`
		Endpoints []struct {
			Port          string `json:"port"`
			Path          string `json:"path"`
			Interval      string `json:"interval"`
			ScrapeTimeout string `json:"scrapeTimeout,omitempty"`
		} `json:"endpoints"`
	} `json:"spec"`
}

type manifest struct {
	Kind, Name string
	Source     string // the YAML document as helm printed it
	Obj        any    // typed object (runtime.Object or *serviceMonitor)
}

func (m manifest) key() string { return m.Kind + "/" + m.Name }

func (m manifest) fileName() string {
	return strings.ToLower(m.Kind) + "-" + m.Name + ".yaml"
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

// decodeAll splits a multi-document YAML stream and decodes every document
// strictly: an unknown or duplicated field is an error.
func decodeAll(t *testing.T, stream string) []manifest {
	t.Helper()
	var out []manifest
	for _, doc := range docSep.Split(stream, -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		out = append(out, decodeOne(t, doc))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

func stripComments(doc string) string {
	var b strings.Builder
	for l := range strings.SplitSeq(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func decodeOne(t *testing.T, doc string) manifest {
	t.Helper()
	m, err := decodeStrict(doc)
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	return m
}

func decodeStrict(doc string) (manifest, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
		return manifest{}, fmt.Errorf("not YAML: %w", err)
	}
	m := manifest{Kind: tm.Kind, Source: strings.TrimSpace(doc) + "\n"}
	if tm.APIVersion == "monitoring.coreos.com/v1" && tm.Kind == "ServiceMonitor" {
		var sm serviceMonitor
		if err := yaml.UnmarshalStrict([]byte(doc), &sm); err != nil {
			return m, fmt.Errorf("strict decode of ServiceMonitor: %w", err)
		}
		m.Name, m.Obj = sm.Metadata.Name, &sm
		return m, nil
	}
	obj, gvk, err := strictSerializer.Decode([]byte(doc), nil, nil)
	if err != nil {
		return m, fmt.Errorf("strict decode of %s: %w", tm.Kind, err)
	}
	if gvk.Kind != tm.Kind {
		return m, fmt.Errorf("decoded kind %s, document says %s", gvk.Kind, tm.Kind)
	}
	acc, ok := obj.(metav1.Object)
	if !ok {
		return m, fmt.Errorf("%s has no object metadata", tm.Kind)
	}
	m.Name, m.Obj = acc.GetName(), obj
	return m, nil
}

// The strict decoder really rejects unknown and duplicated fields.
func TestStrictDecoding(t *testing.T) {
	bad := map[string]string{
		"unknown field":       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndatta:\n  a: b\n",
		"nested typo":         "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 2\n",
		"duplicate field":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n",
		"ServiceMonitor typo": "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: x\nspec:\n  endpoints:\n    - prot: metrics\n",
	}
	for name, doc := range bad {
		if _, err := decodeStrict(doc); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	if _, err := decodeStrict("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n"); err != nil {
		t.Errorf("valid ConfigMap rejected: %v", err)
	}
}

// ---- cases ------------------------------------------------------------------------------------

type renderCase struct {
	name      string
	release   string
	namespace string // "" is observability
	values    []string
	sets      []string
	golden    string // examples/<name>/rendered, "" for non-example variants
}

func (c renderCase) ns() string {
	if c.namespace == "" {
		return namespace
	}
	return c.namespace
}

// namespaceFor is where an example installs: the collecting agent needs the Pod Security
// "privileged" level (hostPath volumes), so it gets a namespace of its own instead of the
// gateway's "restricted" one.
func namespaceFor(example string) string {
	if example == "agent-collect" {
		return "observability-agent"
	}
	return namespace
}

// releaseFor names the release of an example: gateway-* examples install as
// otelcol-obtrace-gateway, agent-* as otelcol-obtrace-agent (namespace
// observability); the agent example points at that gateway.
func releaseFor(example string) string {
	if strings.HasPrefix(example, "agent") {
		return "otelcol-obtrace-agent"
	}
	return "otelcol-obtrace-gateway"
}

func exampleCases(t *testing.T) []renderCase {
	t.Helper()
	entries, err := os.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []renderCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(examplesDir, e.Name())
		cases = append(cases, renderCase{
			name:      e.Name(),
			release:   releaseFor(e.Name()),
			namespace: namespaceFor(e.Name()),
			values:    []string{filepath.Join(dir, "values.yaml")},
			golden:    filepath.Join(dir, "rendered"),
		})
	}
	if len(cases) < 5 {
		t.Fatalf("expected at least 5 examples in %s, found %d", examplesDir, len(cases))
	}
	return cases
}

// allCases are the examples plus variants that the examples do not cover.
func allCases(t *testing.T) []renderCase {
	minimal := filepath.Join(examplesDir, "gateway-minimal", "values.yaml")
	return append(exampleCases(t),
		renderCase{name: "defaults-with-key", release: "obt", sets: []string{"obtrace.apiKey.value=" + secretValueForTests, "gatewayToken.value=" + tokenValueForTests}},
		renderCase{name: "gateway-statefulset", release: "otelcol-obtrace-gateway", values: []string{minimal},
			sets: []string{"persistence.enabled=true", "persistence.storageClassName=fast", "obtrace.apiKey.value=" + secretValueForTests, "gatewayToken.value=" + tokenValueForTests}},
		renderCase{name: "agent-token-value", release: "otelcol-obtrace-agent",
			values: []string{filepath.Join(examplesDir, "agent-to-gateway", "values.yaml")},
			sets:   []string{"gatewayToken.existingSecret=", "gatewayToken.value=" + tokenValueForTests}},
		renderCase{name: "gateway-no-hpa", release: "otelcol-obtrace-gateway", values: []string{minimal},
			sets: []string{"autoscaling.enabled=false", "replicaCount=3", "resources.limits.memory=1500M"}},
		renderCase{name: "gateway-no-memory-limit", release: "otelcol-obtrace-gateway", values: []string{minimal},
			sets: []string{"resources.limits=null"}},
		renderCase{name: "gateway-no-k8sattributes", release: "otelcol-obtrace-gateway", values: []string{minimal},
			sets: []string{"gateway.k8sAttributes.enabled=false"}},
		renderCase{name: "agent-collect-docker-token-value", release: "otelcol-obtrace-agent", namespace: "observability-agent",
			values: []string{filepath.Join(examplesDir, "agent-collect", "values.yaml")},
			sets: []string{"agent.collect.dockerContainers=true", "agent.receiverToken.existingSecret=",
				"agent.receiverToken.value=" + tokenValueForTests, "agent.networkPolicy.enabled=false"}},
		renderCase{name: "agent-host-metrics-only", release: "otelcol-obtrace-agent", namespace: "observability-agent",
			values: []string{filepath.Join(examplesDir, "agent-collect", "values.yaml")},
			sets: []string{"agent.collect.otlp=false", "agent.collect.containerLogs=false",
				"agent.k8sAttributes.enabled=false", "agent.resourceDetection.enabled=false"}},
		renderCase{name: "gateway-tailsampling-defaults", release: "gw", values: []string{minimal},
			sets: []string{"tailSampling.enabled=true", "persistence.enabled=true"}},
	)
}

// ---- golden files -----------------------------------------------------------------------------

func TestExamplesGolden(t *testing.T) {
	update := os.Getenv("UPDATE") == "1"
	for _, c := range exampleCases(t) {
		t.Run(c.name, func(t *testing.T) {
			got := decodeAll(t, mustRender(t, c))
			if update {
				if err := os.RemoveAll(c.golden); err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(c.golden, 0o755); err != nil {
					t.Fatal(err)
				}
				for _, m := range got {
					if err := os.WriteFile(filepath.Join(c.golden, m.fileName()), []byte(m.Source), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				t.Logf("UPDATE=1: wrote %d manifests to %s", len(got), c.golden)
				return
			}
			files, err := filepath.Glob(filepath.Join(c.golden, "*.yaml"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no golden manifests in %s (run with UPDATE=1 to create them): %v", c.golden, err)
			}
			want := map[string]manifest{}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range decodeAll(t, string(b)) {
					want[m.key()] = m
				}
			}
			seen := map[string]bool{}
			for _, g := range got {
				seen[g.key()] = true
				w, ok := want[g.key()]
				if !ok {
					t.Errorf("%s is rendered but has no golden file (UPDATE=1 to accept)", g.key())
					continue
				}
				if !equality.Semantic.DeepEqual(w.Obj, g.Obj) {
					t.Errorf("%s differs from its golden file (-golden +rendered; UPDATE=1 to accept):\n%s",
						g.key(), cmp.Diff(strings.Split(w.Source, "\n"), strings.Split(g.Source, "\n")))
				}
			}
			for k := range want {
				if !seen[k] {
					t.Errorf("%s has a golden file but is no longer rendered (UPDATE=1 to accept)", k)
				}
			}
		})
	}
}
