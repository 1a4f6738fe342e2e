package obtraceexporter

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestServiceNames(t *testing.T) {
	var resources []map[string]any
	for _, name := range []string{"cart", "billing", "cart"} {
		resources = append(resources, map[string]any{"service.name": name})
	}
	resources = append(resources, map[string]any{"host.name": "no-service"})
	for i := range 2 * maxLoggedServiceNames {
		resources = append(resources, map[string]any{"service.name": fmt.Sprintf("svc-%02d", i)})
	}
	td := testTraces(resources...)
	rss := td.ResourceSpans()

	names := serviceNames(rss.Len(), func(i int) pcommon.Resource { return rss.At(i).Resource() })

	assert.Len(t, names, maxLoggedServiceNames)
	assert.Equal(t, []string{"cart", "billing", "svc-00"}, names[:3], "distinct, in order of appearance")
}

func TestIdentityNoFieldsAddsNothing(t *testing.T) {
	id := newIdentity(IdentityConfig{OverrideIdentity: true})
	assert.False(t, id.mutates())
	td := testTraces(map[string]any{"service.name": "cart"})
	td.MarkReadOnly() // would panic on any write
	id.applyTraces(td)
	assert.Equal(t, map[string]any{"service.name": "cart"}, td.ResourceSpans().At(0).Resource().Attributes().AsRaw())
}

func FuzzIdentityApply(f *testing.F) {
	f.Add([]byte{}, "acme", "", true)
	seed, _ := (&ptrace.ProtoMarshaler{}).MarshalTraces(testTraces(map[string]any{"service.name": "svc", "obtrace.tenant_id": "own"}))
	f.Add(seed, "acme", "production", false)
	f.Fuzz(func(t *testing.T, data []byte, tenant, env string, override bool) {
		td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(data)
		if err != nil {
			return
		}
		id := newIdentity(IdentityConfig{TenantID: tenant, Env: env, OverrideIdentity: override})
		id.applyTraces(td)
		rss := td.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			attrs := rss.At(i).Resource().Attributes()
			if tenant != "" {
				v, ok := attrs.Get(attrTenantID)
				if !ok || (override && v.AsString() != tenant) {
					t.Fatalf("tenant not applied: %v", attrs.AsRaw())
				}
			}
			if env != "" && override {
				if v, _ := attrs.Get(attrEnv); v.Type() != pcommon.ValueTypeStr || v.Str() != env {
					t.Fatalf("env not applied: %v", attrs.AsRaw())
				}
			}
		}
		if _, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td); err != nil {
			t.Fatalf("marshal after apply: %v", err)
		}
	})
}
