package obtraceexporter

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
)

// Resource attribute keys that carry the Obtrace identity.
const (
	attrTenantID              = "obtrace.tenant_id"
	attrProjectID             = "obtrace.project_id"
	attrAppID                 = "obtrace.app_id"
	attrEnv                   = "obtrace.env"
	attrDeploymentEnvironment = "deployment.environment"
)

// identity is the precomputed list of resource attributes to add.
type identity struct {
	attrs    []identityAttr
	override bool
}

type identityAttr struct{ key, value string }

func newIdentity(cfg IdentityConfig) identity {
	id := identity{override: cfg.OverrideIdentity}
	add := func(key, value string) {
		if value != "" {
			id.attrs = append(id.attrs, identityAttr{key: key, value: value})
		}
	}
	add(attrTenantID, cfg.TenantID)
	add(attrProjectID, cfg.ProjectID)
	add(attrAppID, cfg.AppID)
	add(attrEnv, cfg.Env)
	add(attrDeploymentEnvironment, cfg.Env)
	return id
}

// mutates reports whether applying the identity changes data at all. The
// exporter declares consumer.Capabilities{MutatesData: true} only then, so the
// pipeline hands it a private copy whenever data is shared with other
// consumers, and skips the copy when there is nothing to add.
func (id identity) mutates() bool { return len(id.attrs) > 0 }

// apply adds the identity to one resource. An attribute already present is
// kept unless override_identity is set.
func (id identity) apply(res pcommon.Resource) {
	attrs := res.Attributes()
	for _, a := range id.attrs {
		if !id.override {
			if _, ok := attrs.Get(a.key); ok {
				continue
			}
		}
		attrs.PutStr(a.key, a.value)
	}
}

func (id identity) applyTraces(td ptrace.Traces) {
	rss := td.ResourceSpans()
	id.applyEach(rss.Len(), func(i int) pcommon.Resource { return rss.At(i).Resource() })
}

func (id identity) applyMetrics(md pmetric.Metrics) {
	rms := md.ResourceMetrics()
	id.applyEach(rms.Len(), func(i int) pcommon.Resource { return rms.At(i).Resource() })
}

func (id identity) applyLogs(ld plog.Logs) {
	rls := ld.ResourceLogs()
	id.applyEach(rls.Len(), func(i int) pcommon.Resource { return rls.At(i).Resource() })
}

// applyEach applies the identity to the n resources that resource returns,
// touching nothing when there is nothing to add (the data may be read-only).
func (id identity) applyEach(n int, resource func(int) pcommon.Resource) {
	if !id.mutates() {
		return
	}
	for i := range n {
		id.apply(resource(i))
	}
}

// maxLoggedServiceNames bounds the service names listed in a log entry.
const maxLoggedServiceNames = 10

// serviceNames returns the distinct service.name values of resources, in
// order of appearance, at most maxLoggedServiceNames of them.
func serviceNames(n int, resource func(int) pcommon.Resource) []string {
	var names []string
	seen := make(map[string]bool)
	for i := 0; i < n && len(names) < maxLoggedServiceNames; i++ {
		v, ok := resource(i).Attributes().Get("service.name")
		if !ok || seen[v.AsString()] {
			continue
		}
		seen[v.AsString()] = true
		names = append(names, v.AsString())
	}
	return names
}

// logFields describes the configured identity for log entries.
func (cfg IdentityConfig) logFields() []zap.Field {
	return []zap.Field{
		zap.String("tenant_id", cfg.TenantID),
		zap.String("project_id", cfg.ProjectID),
		zap.String("app_id", cfg.AppID),
		zap.String("env", cfg.Env),
	}
}
