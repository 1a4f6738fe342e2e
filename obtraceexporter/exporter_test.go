package obtraceexporter

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

var testIdentity = IdentityConfig{TenantID: "acme", ProjectID: "checkout", AppID: "checkout-api", Env: "production"}

// resourceAttrs returns the attributes of every resource of a received request.
func resourceAttrs(t *testing.T, r received) []map[string]any {
	t.Helper()
	var out []map[string]any
	add := func(res pcommon.Resource) { out = append(out, res.Attributes().AsRaw()) }
	switch {
	case strings.HasSuffix(r.path, "traces"):
		for i := 0; i < r.traces.ResourceSpans().Len(); i++ {
			add(r.traces.ResourceSpans().At(i).Resource())
		}
	case strings.HasSuffix(r.path, "metrics"):
		for i := 0; i < r.metrics.ResourceMetrics().Len(); i++ {
			add(r.metrics.ResourceMetrics().At(i).Resource())
		}
	case strings.HasSuffix(r.path, "logs"):
		for i := 0; i < r.logs.ResourceLogs().Len(); i++ {
			add(r.logs.ResourceLogs().At(i).Resource())
		}
	default:
		t.Fatalf("request to %s carried no resources", r.path)
	}
	return out
}

// sendFuncs send the same two resources (one bare, one that set its own
// identity) through each signal's exporter.
var sendFuncs = map[signal]func(t *testing.T, f *fakeIngest, cfg *Config, resources ...map[string]any) error{
	signalTraces: func(t *testing.T, _ *fakeIngest, cfg *Config, resources ...map[string]any) error {
		set, _ := testSettings(component.TelemetrySettings{})
		return startTraces(t, set, cfg).ConsumeTraces(context.Background(), testTraces(resources...))
	},
	signalMetrics: func(t *testing.T, _ *fakeIngest, cfg *Config, resources ...map[string]any) error {
		set, _ := testSettings(component.TelemetrySettings{})
		return startMetrics(t, set, cfg).ConsumeMetrics(context.Background(), testMetrics(resources...))
	},
	signalLogs: func(t *testing.T, _ *fakeIngest, cfg *Config, resources ...map[string]any) error {
		set, _ := testSettings(component.TelemetrySettings{})
		return startLogs(t, set, cfg).ConsumeLogs(context.Background(), testLogs(resources...))
	},
}

func TestExportWireFormat(t *testing.T) {
	for _, s := range []signal{signalTraces, signalMetrics, signalLogs} {
		t.Run(string(s), func(t *testing.T) {
			f := newFakeIngest(t, nil)
			cfg := testConfig(f)
			cfg.Headers.Set("X-Obtrace-Source", "edge")

			require.NoError(t, sendFuncs[s](t, f, cfg, map[string]any{"service.name": "cart"}))

			reqs := f.received()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, "/otlp/v1/"+string(s), r.path)
			assert.Equal(t, "Bearer "+testAPIKey, r.header.Get("Authorization"))
			assert.Equal(t, "edge", r.header.Get("X-Obtrace-Source"))
			assert.Equal(t, "gzip", r.contentEncoding, "gzip is the default compression")
			assert.Equal(t, "application/x-protobuf", r.header.Get("Content-Type"))
			assert.Equal(t, []map[string]any{{"service.name": "cart"}}, resourceAttrs(t, r), "no identity configured: nothing added")
		})
	}
}

func TestExportWithoutCompression(t *testing.T) {
	f := newFakeIngest(t, nil)
	cfg := testConfig(f)
	cfg.Compression = "none"
	require.NoError(t, sendFuncs[signalTraces](t, f, cfg, map[string]any{"service.name": "cart"}))
	reqs := f.received()
	require.Len(t, reqs, 1)
	assert.Empty(t, reqs[0].contentEncoding)
}

func TestExportPerSignalEndpoint(t *testing.T) {
	f := newFakeIngest(t, nil)
	cfg := testConfig(f)
	cfg.Endpoint = "https://ingest.obtrace.ai" // must not be used
	cfg.TracesEndpoint = f.srv.URL + "/custom/traces"
	require.NoError(t, sendFuncs[signalTraces](t, f, cfg, map[string]any{}))
	reqs := f.received()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/custom/traces", reqs[0].path)
}

func TestIdentityOnTheWire(t *testing.T) {
	bare := map[string]any{"service.name": "cart"}
	ownIdentity := map[string]any{
		"service.name":           "billing",
		"obtrace.tenant_id":      "tenant-set-by-service",
		"deployment.environment": "staging",
	}
	added := map[string]any{
		"service.name":           "cart",
		"obtrace.tenant_id":      "acme",
		"obtrace.project_id":     "checkout",
		"obtrace.app_id":         "checkout-api",
		"obtrace.env":            "production",
		"deployment.environment": "production",
	}

	tests := []struct {
		name     string
		override bool
		want     []map[string]any
	}{
		{
			name: "added where missing, service values kept",
			want: []map[string]any{added, {
				"service.name":           "billing",
				"obtrace.tenant_id":      "tenant-set-by-service",
				"obtrace.project_id":     "checkout",
				"obtrace.app_id":         "checkout-api",
				"obtrace.env":            "production",
				"deployment.environment": "staging",
			}},
		},
		{
			name:     "override_identity replaces service values",
			override: true,
			want: []map[string]any{added, {
				"service.name":           "billing",
				"obtrace.tenant_id":      "acme",
				"obtrace.project_id":     "checkout",
				"obtrace.app_id":         "checkout-api",
				"obtrace.env":            "production",
				"deployment.environment": "production",
			}},
		},
	}
	for _, tt := range tests {
		for _, s := range []signal{signalTraces, signalMetrics, signalLogs} {
			t.Run(tt.name+"/"+string(s), func(t *testing.T) {
				f := newFakeIngest(t, nil)
				cfg := testConfig(f)
				cfg.Identity = testIdentity
				cfg.Identity.OverrideIdentity = tt.override

				require.NoError(t, sendFuncs[s](t, f, cfg, bare, ownIdentity))

				reqs := f.received()
				require.Len(t, reqs, 1)
				assert.Equal(t, tt.want, resourceAttrs(t, reqs[0]))
			})
		}
	}
}

func TestPartialIdentityAddsOnlyWhatIsSet(t *testing.T) {
	f := newFakeIngest(t, nil)
	cfg := testConfig(f)
	cfg.Identity = IdentityConfig{ProjectID: "checkout"}
	require.NoError(t, sendFuncs[signalLogs](t, f, cfg, map[string]any{"service.name": "cart"}))
	reqs := f.received()
	require.Len(t, reqs, 1)
	assert.Equal(t, []map[string]any{{"service.name": "cart", "obtrace.project_id": "checkout"}}, resourceAttrs(t, reqs[0]))
}

func TestCapabilities(t *testing.T) {
	f := newFakeIngest(t, nil)
	set, _ := testSettings(component.TelemetrySettings{})

	// Enrichment modifies data, so the pipeline must give the exporter its own
	// copy whenever the data is shared with other consumers.
	cfg := testConfig(f)
	cfg.Identity = testIdentity
	assert.True(t, startTraces(t, set, cfg).Capabilities().MutatesData)
	assert.True(t, startMetrics(t, set, cfg).Capabilities().MutatesData)
	assert.True(t, startLogs(t, set, cfg).Capabilities().MutatesData)

	// Without identity nothing is modified: no copy needed, and read-only
	// (shared) data goes through untouched.
	cfg = testConfig(f)
	exp := startTraces(t, set, cfg)
	assert.False(t, exp.Capabilities().MutatesData)
	td := testTraces(map[string]any{"service.name": "cart"})
	td.MarkReadOnly()
	require.NoError(t, exp.ConsumeTraces(context.Background(), td))
	require.Len(t, f.received(), 1)
}

func TestQueuedDelivery(t *testing.T) {
	f := newFakeIngest(t, nil)
	cfg := testConfig(f)
	cfg.QueueConfig = createDefaultConfig().(*Config).QueueConfig // the default in-memory queue
	cfg.Identity = testIdentity
	set, _ := testSettings(component.TelemetrySettings{})
	exp := startTraces(t, set, cfg)

	require.NoError(t, exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "cart"})))
	require.Eventually(t, func() bool { return len(f.received()) == 1 }, 5*time.Second, 10*time.Millisecond)
	attrs := resourceAttrs(t, f.received()[0])
	require.Len(t, attrs, 1)
	assert.Equal(t, "acme", attrs[0]["obtrace.tenant_id"])
}

func TestPersistentQueueNeedsItsStorageExtension(t *testing.T) {
	f := newFakeIngest(t, nil)
	cfg := testConfig(f)
	queue := exporterhelper.NewDefaultQueueConfig()
	storage := component.MustNewIDWithName("file_storage", "obtrace")
	queue.StorageID = &storage
	cfg.QueueConfig = configoptional.Some(queue)
	set, _ := testSettings(component.TelemetrySettings{})

	exp, err := NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	err = exp.Start(context.Background(), componenttest.NewNopHost())
	require.Error(t, err, "sending_queue.storage is handed to exporterhelper, which looks the extension up")
	assert.Contains(t, err.Error(), "storage")
	require.NoError(t, exp.Shutdown(context.Background()))
}
