package otlpguardextension

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/obtraceai/otelcol-obtrace/otlpguardextension/internal/metadata"
)

const (
	// defaultMaxValueDepth is far deeper than any real attribute (SDKs nest a few levels) and
	// far shallower than what overflows a decoder.
	defaultMaxValueDepth = 64
	// defaultTokensPollInterval: a revoked token stops working within about a second.
	defaultTokensPollInterval = time.Second
)

// NewFactory returns the factory of the otlpguard extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, createExtension, metadata.ExtensionStability)
}

// createDefaultConfig shows the defaults: depth guard on, no authenticator.
func createDefaultConfig() component.Config {
	return &Config{
		MaxValueDepth:      defaultMaxValueDepth,
		TokensPollInterval: defaultTokensPollInterval,
	}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newGuard(cfg.(*Config), set)
}
