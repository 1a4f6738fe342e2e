package test

// Server-side dry runs: what the API server (its strict field validation, its admission, Pod
// Security included) says to creating manifests, without storing them.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"
)

// warnings collects the API server's Warning headers (Pod Security, deprecations).
type warnings struct {
	mu   sync.Mutex
	text []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.text = append(w.text, text)
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.text...)
}

// dryRunCreate creates every document of docs with dryRun=All and fieldValidation=Strict, as
// `kubectl apply --dry-run=server --validate=strict` does for objects that do not exist yet. It
// returns how many the API server accepted and the warnings it sent.
func (c *cluster) dryRunCreate(t *testing.T, docs []string) (int, []string) {
	t.Helper()
	w := &warnings{}
	cfg := rest.CopyConfig(c.config)
	cfg.WarningHandler = w
	dyn, err := dynamic.NewForConfig(cfg)
	require.NoError(t, err)
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	require.NoError(t, err)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	accepted := 0
	for _, doc := range docs {
		if err := dryRunCreateOne(dyn, mapper, doc); err != nil {
			t.Errorf("%v\n%s", err, doc)
			continue
		}
		accepted++
	}
	return accepted, w.all()
}

func dryRunCreateOne(dyn dynamic.Interface, mapper meta.RESTMapper, doc string) error {
	text, err := yaml.YAMLToJSONStrict([]byte(doc))
	if err != nil {
		return err
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(text); err != nil {
		return err
	}
	gvk := obj.GroupVersionKind()
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("%s %s: %w", gvk, obj.GetName(), err)
	}
	var res dynamic.ResourceInterface = dyn.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := obj.GetNamespace()
		if ns == "" {
			return fmt.Errorf("%s %s has no namespace", gvk.Kind, obj.GetName())
		}
		res = dyn.Resource(mapping.Resource).Namespace(ns)
	}
	_, err = res.Create(context.Background(), obj, metav1.CreateOptions{
		DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict})
	if err != nil {
		return fmt.Errorf("%s %s: %w", gvk.Kind, obj.GetName(), err)
	}
	return nil
}

// documents splits a multi-document YAML stream, dropping empty ones.
func documents(stream string) []string {
	var docs []string
	for _, doc := range docSep.Split(stream, -1) {
		if strings.TrimSpace(stripComments(doc)) != "" {
			docs = append(docs, doc)
		}
	}
	return docs
}

// testDryRunRendered: every examples/*/rendered/ manifest is accepted, without a warning.
func (c *cluster) testDryRunRendered(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(examplesDir, "*", "rendered"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(filepath.Dir(dir)), func(t *testing.T) {
			files, err := os.ReadDir(dir)
			require.NoError(t, err)
			var docs []string
			for _, f := range files {
				text, err := os.ReadFile(filepath.Join(dir, f.Name()))
				require.NoError(t, err)
				docs = append(docs, documents(string(text))...)
			}
			accepted, warned := c.dryRunCreate(t, docs)
			require.Equal(t, len(files), accepted, "objects accepted of the %d files in %s", len(files), dir)
			require.Empty(t, warned, "the API server warned (Pod Security or deprecation)")
			t.Logf("%d objects accepted (server dry run)", accepted)
		})
	}
}

// testAgentCollectRefusedInRestricted: Pod Security admission enforces on Pods only; for a
// DaemonSet it warns (the namespace has warn=restricted), so the warning is what shows the
// restricted namespace would refuse the collecting agent's pods.
func (c *cluster) testAgentCollectRefusedInRestricted(t *testing.T) {
	out := mustRender(t, renderCase{release: agentRelease, namespace: namespace, values: []string{exampleValues("agent-collect")}})
	docs := documents(out)
	accepted, warned := c.dryRunCreate(t, docs)
	require.Equal(t, len(docs), accepted, "objects accepted")
	var psa string
	for _, w := range warned {
		if strings.Contains(w, `would violate PodSecurity "restricted:latest"`) {
			psa = w
		}
	}
	require.NotEmpty(t, psa, "no Pod Security warning for the collecting agent in %s; warnings: %q", namespace, warned)
	require.Contains(t, psa, "hostPath", "the Pod Security warning does not name the hostPath volumes")
	t.Logf("%.400s", psa)
}
