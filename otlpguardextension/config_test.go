package otlpguardextension

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.MustNewIDWithName("otlpguard", name).String())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestLoadConfig(t *testing.T) {
	receivers := component.MustNewIDWithName("bearertokenauth", "receivers")
	cases := map[string]*Config{
		"":           {MaxValueDepth: 64, TokensPollInterval: time.Second},
		"delegating": {MaxValueDepth: 32, Authenticator: &receivers, TokensPollInterval: time.Second},
		"tenants":    {MaxValueDepth: 64, TokensFile: "/etc/otelcol-obtrace/tenant-keys", TokensPollInterval: 500 * time.Millisecond},
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := loadConfig(t, name)
			require.NoError(t, cfg.Validate())
			assert.Equal(t, want, cfg)
		})
	}
}

func TestValidateNamesTheKeyAndTheFix(t *testing.T) {
	cases := map[string]string{
		"too_deep":  "`max_value_depth`: 5000 is out of range; set 1 to 1024 (default 64)",
		"both":      "`authenticator` and `tokens_file` are both set; set one",
		"fast_poll": "`tokens_poll_interval`: 1ms is too short; set at least 100ms (default 1s)",
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			assert.ErrorContains(t, loadConfig(t, name).Validate(), want)
		})
	}
}
