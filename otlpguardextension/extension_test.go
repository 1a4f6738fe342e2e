package otlpguardextension

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionauth"
)

type hostWith map[component.ID]component.Component

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h }

// authExtension is a server authenticator that accepts tokenA only.
type authExtension struct{ component.StartFunc }

func (authExtension) Shutdown(context.Context) error { return nil }

func (authExtension) Authenticate(ctx context.Context, headers map[string][]string) (context.Context, error) {
	if headerValue(headers, "authorization") == "Bearer "+tokenA {
		return ctx, nil
	}
	return ctx, errors.New("refused")
}

var _ extensionauth.Server = authExtension{}

func newTestGuard(t *testing.T, cfg *Config) (*guard, *componenttest.Telemetry) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	g, err := newGuard(cfg, extension.Settings{ID: guardID, TelemetrySettings: tel.NewTelemetrySettings()})
	require.NoError(t, err)
	return g, tel
}

func TestStartResolvesTheAuthenticator(t *testing.T) {
	authID := component.MustNewIDWithName("bearertokenauth", "receivers")
	cfg := createDefaultConfig().(*Config)
	cfg.Authenticator = &authID

	g, _ := newTestGuard(t, cfg)
	require.ErrorContains(t, g.Start(context.Background(), hostWith{}), "`authenticator`: extension \"bearertokenauth/receivers\" not found")

	g, _ = newTestGuard(t, cfg)
	require.ErrorContains(t, g.Start(context.Background(), hostWith{authID: nopExtension{}}), "is not a server authenticator")

	g, _ = newTestGuard(t, cfg)
	require.ErrorContains(t, g.Start(context.Background(), hostWith{authID: g}), "names otlpguard itself")

	g, tel := newTestGuard(t, cfg)
	require.NoError(t, g.Start(context.Background(), hostWith{authID: authExtension{}}))
	_, err := g.Authenticate(context.Background(), bearer(tokenA))
	require.NoError(t, err)
	_, err = g.Authenticate(context.Background(), bearer(tokenB))
	require.Error(t, err)
	assert.Equal(t, map[string]int64{"http/unauthenticated": 1}, guardHost{telemetry: tel}.refusals(t))
	require.NoError(t, g.Shutdown(context.Background()))
}

type nopExtension struct{ component.StartFunc }

func (nopExtension) Shutdown(context.Context) error { return nil }

func TestWithoutAuthenticatorEveryAuthenticationFails(t *testing.T) {
	g, _ := newTestGuard(t, createDefaultConfig().(*Config))
	require.NoError(t, g.Start(context.Background(), hostWith{}))
	_, err := g.Authenticate(context.Background(), bearer(tokenA))
	require.ErrorIs(t, err, errNoAuthenticator)
	opts, err := g.GetGRPCServerOptions(context.Background())
	require.NoError(t, err)
	assert.Len(t, opts, 3, "no tap handle without an authenticator")
	require.NoError(t, g.Shutdown(context.Background()))
}
