package semanticfindingsextension

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/extension"

	"github.com/obtraceai/otelcol-obtrace/semanticfindingsextension/internal/metadata"
)

const (
	// defaultEndpoint is loopback: the page is for the platform team on the host
	// (or behind a port-forward), not for the network.
	defaultEndpoint = "127.0.0.1:55680"
	// defaultMaxEntries and defaultMaxBytes are the bounds of the processor's
	// finding keys (semanticmetricsprocessor/reporter.go: maxReportKeys,
	// maxReportBytes), so the page can hold everything the reporter tracks.
	defaultMaxEntries = 10000
	defaultMaxBytes   = 16 << 20
	// The ceilings keep a configuration from asking for unbounded memory.
	maxEntriesCeiling = 1000000
	maxBytesCeiling   = 1 << 30
	minMaxBytes       = 1 << 16
)

// NewFactory returns the factory of the semanticfindings extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, createExtension, metadata.ExtensionStability)
}

// createDefaultConfig shows the defaults: loopback port 55680, the processor's bounds.
func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultEndpoint
	return &Config{
		Server:     server,
		MaxEntries: defaultMaxEntries,
		MaxBytes:   defaultMaxBytes,
	}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newFindingsServer(cfg.(*Config), set), nil
}
