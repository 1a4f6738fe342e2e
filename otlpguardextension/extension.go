package otlpguardextension

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionauth"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/grpc"

	"github.com/obtraceai/otelcol-obtrace/otlpguardextension/internal/metadata"
)

// Refusal reasons, the `reason` attribute of otelcol_otlpguard_refused_requests.
const (
	reasonUnauthenticated = "unauthenticated"
	reasonDepth           = "depth"
	reasonTooLarge        = "too_large"
	reasonMalformed       = "malformed"
)

// Transports, the `transport` attribute of otelcol_otlpguard_refused_requests.
const (
	transportHTTP = "http"
	transportGRPC = "grpc"
)

// errNoAuthenticator refuses every request when otlpguard is named as a receiver's
// authenticator but has neither `authenticator` nor `tokens_file`.
var errNoAuthenticator = errors.New("otlpguard has no `authenticator` or `tokens_file` configured")

// guard is the otlpguard extension: an HTTP handler wrapper and gRPC server options that refuse
// hostile requests before pdata decodes them, and a server authenticator (its tokens file, or
// the one it delegates to) that counts what it refuses.
type guard struct {
	cfg       *Config
	settings  extension.Settings
	telemetry *metadata.TelemetryBuilder
	tokens    *tokenFile

	// authenticator is resolved at Start: tokens, the configured extension, or nil.
	authenticator extensionauth.Server
	// refusedGRPC hands the codec's verdicts to the unary interceptor (see grpcguard.go).
	refusedGRPC refusedRequests
}

var (
	_ extension.Extension            = (*guard)(nil)
	_ extensionauth.Server           = (*guard)(nil)
	_ extensionmiddleware.HTTPServer = (*guard)(nil)
	_ extensionmiddleware.GRPCServer = (*guard)(nil)
)

func newGuard(cfg *Config, set extension.Settings) (*guard, error) {
	telemetry, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	g := &guard{cfg: cfg, settings: set, telemetry: telemetry}
	if cfg.TokensFile != "" {
		g.tokens = newTokenFile(cfg.TokensFile, cfg.TokensPollInterval, set.Logger)
	}
	return g, nil
}

func (g *guard) Start(_ context.Context, host component.Host) error {
	switch {
	case g.tokens != nil:
		g.tokens.start()
		g.authenticator = g.tokens
	case g.cfg.Authenticator != nil:
		ext, ok := host.GetExtensions()[*g.cfg.Authenticator]
		if !ok {
			return fmt.Errorf("`authenticator`: extension %q not found; add it to service.extensions", g.cfg.Authenticator)
		}
		server, ok := ext.(extensionauth.Server)
		if !ok {
			return fmt.Errorf("`authenticator`: extension %q is not a server authenticator", g.cfg.Authenticator)
		}
		if server == extensionauth.Server(g) {
			return fmt.Errorf("`authenticator`: %q names otlpguard itself; name the authenticator it delegates to", g.cfg.Authenticator)
		}
		g.authenticator = server
	}
	return nil
}

func (g *guard) Shutdown(context.Context) error {
	if g.tokens != nil {
		g.tokens.shutdown()
	}
	g.telemetry.Shutdown()
	return nil
}

// Authenticate is called by the receivers' auth interceptors (auth.authenticator: otlpguard).
// On gRPC the tap handle has already asked the same authenticator before the message was read;
// this second call costs a comparison and keeps the receiver's client.Info as usual.
func (g *guard) Authenticate(ctx context.Context, headers map[string][]string) (context.Context, error) {
	if g.authenticator == nil {
		return ctx, errNoAuthenticator
	}
	authCtx, err := g.authenticator.Authenticate(ctx, headers)
	if err != nil {
		transport := transportHTTP
		if _, isGRPC := grpc.Method(ctx); isGRPC {
			transport = transportGRPC
		}
		g.countRefusal(ctx, transport, reasonUnauthenticated)
	}
	return authCtx, err
}

// countRefusal adds one to otelcol_otlpguard_refused_requests.
func (g *guard) countRefusal(ctx context.Context, transport, reason string) {
	g.telemetry.OtlpguardRefusedRequests.Add(ctx, 1, metric.WithAttributes(
		attribute.String("transport", transport),
		attribute.String("reason", reason),
	))
}
