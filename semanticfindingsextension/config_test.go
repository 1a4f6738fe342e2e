package semanticfindingsextension

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/obtraceai/otelcol-obtrace/semanticfindingsextension/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id      component.ID
		check   func(*testing.T, *Config)
		wantErr string
	}{
		{id: component.NewID(metadata.Type), check: func(t *testing.T, cfg *Config) {
			assert.Equal(t, "127.0.0.1:55680", cfg.Server.NetAddr.Endpoint, "loopback by default")
			assert.Equal(t, defaultMaxEntries, cfg.MaxEntries)
			assert.Equal(t, defaultMaxBytes, cfg.MaxBytes)
		}},
		{id: component.NewIDWithName(metadata.Type, "custom"), check: func(t *testing.T, cfg *Config) {
			assert.Equal(t, "127.0.0.1:0", cfg.Server.NetAddr.Endpoint)
			assert.Equal(t, 500, cfg.MaxEntries)
			assert.Equal(t, 1<<20, cfg.MaxBytes)
		}},
		{id: component.NewIDWithName(metadata.Type, "no_endpoint"), wantErr: "`endpoint`: must not be empty; set host:port (default 127.0.0.1:55680)"},
		{id: component.NewIDWithName(metadata.Type, "too_many"), wantErr: "`max_entries`: 0 is out of range; set 1 to 1000000 (default 10000)"},
		{id: component.NewIDWithName(metadata.Type, "too_big"), wantErr: "`max_bytes`: 2147483648 is out of range; set 65536 to 1073741824 (default 16777216)"},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = cfg.Validate()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

// The README's key table lists every key of Config (and says where the
// server keys come from).
func TestReadmeListsEveryKey(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, key := range []string{"`endpoint`", "`max_entries`", "`max_bytes`", "confighttp", "/findings.json", "`findings`"} {
		assert.Contains(t, string(b), key, "README.md lacks %s", key)
	}
}
