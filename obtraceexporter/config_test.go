package obtraceexporter

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/metadata"
)

func TestCreateDefaultConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig().(*Config)

	assert.Equal(t, &Config{
		Endpoint:    "https://ingest.obtrace.ai",
		Compression: configcompression.TypeGzip,
		Timeout:     5 * time.Second,
		RetryConfig: configretry.NewDefaultBackOffConfig(),
		QueueConfig: configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		Auth:        AuthConfig{Mode: "api_key", FailureThreshold: 3, CoolOff: time.Minute, MaxTenants: 1000},

		StartupCheck:       true,
		QueueFileCheck:     "fail",
		PersistentQueue:    PersistentQueueConfig{GroupCommit: true, GroupMaxItems: 8192, BookkeepingInterval: time.Second},
		ServerErrorRetries: 5,
		DeadLetter:         DeadLetterConfig{MaxBytes: 1 << 30, ResendInterval: 10 * time.Minute, ResendOnStart: true},
	}, cfg)
	assert.True(t, cfg.RetryConfig.Enabled, "retries are on by default")
	assert.True(t, cfg.QueueConfig.HasValue(), "the sending queue is on by default")
	assert.False(t, cfg.AllowInsecureHTTP)
	assert.False(t, cfg.Identity.OverrideIdentity)

	// The default config lacks only the API key.
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "api_key")
	cfg.APIKey = "obt_live_0123456789"
	require.NoError(t, confmap.Validate(cfg))
}

// loadConfig loads the named instance of testdata/config.yaml into a default config.
func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	id := component.NewID(metadata.Type)
	if name != "" {
		id = component.NewIDWithName(metadata.Type, name)
	}
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig()
	if err := sub.Unmarshal(cfg); err != nil {
		return nil, err
	}
	return cfg.(*Config), nil
}

func TestLoadConfig(t *testing.T) {
	defaultWith := func(mutate func(*Config)) *Config {
		cfg := createDefaultConfig().(*Config)
		mutate(cfg)
		return cfg
	}

	fullQueue := exporterhelper.NewDefaultQueueConfig()
	fullQueue.NumConsumers = 4
	fullQueue.QueueSize = 5000
	storage := component.MustNewIDWithName("file_storage", "obtrace")
	fullQueue.StorageID = &storage

	tests := []struct {
		name     string
		expected *Config
	}{
		{
			name: "",
			expected: defaultWith(func(c *Config) {
				c.APIKey = "obt_live_minimal0123456789"
			}),
		},
		{
			name: "full",
			expected: defaultWith(func(c *Config) {
				c.APIKey = "obt_live_full0123456789abcdef"
				c.Endpoint = "https://ingest.eu.obtrace.ai/"
				c.TracesEndpoint = "https://traces.example.com/custom/traces"
				c.MetricsEndpoint = "https://metrics.example.com/custom/metrics"
				c.LogsEndpoint = "https://logs.example.com/custom/logs"
				c.Identity = IdentityConfig{
					TenantID:         "acme",
					ProjectID:        "checkout",
					AppID:            "checkout-api",
					Env:              "production",
					OverrideIdentity: true,
				}
				c.Headers = configopaque.MapList{
					{Name: "X-Obtrace-Source", Value: "edge-collector"},
					{Name: "X-Scope", Value: "team-a"},
				}
				c.Compression = configcompression.TypeZstd
				c.Timeout = 12 * time.Second
				c.TLS = configtls.ClientConfig{Config: configtls.Config{MinVersion: "1.3"}}
				c.RetryConfig.InitialInterval = 2 * time.Second
				c.RetryConfig.MaxInterval = 20 * time.Second
				c.RetryConfig.MaxElapsedTime = 10 * time.Minute
				c.QueueConfig = configoptional.Some(fullQueue)
				c.Auth = AuthConfig{Mode: "api_key", FailureThreshold: 5, CoolOff: 2 * time.Minute, MaxTenants: 200}
				c.StartupCheck = false
				c.QueueFileCheck = "quarantine"
				c.PersistentQueue = PersistentQueueConfig{GroupCommit: true, GroupMaxItems: 2048, BookkeepingInterval: 500 * time.Millisecond}
				c.ServerErrorRetries = 2
				c.DeadLetter = DeadLetterConfig{Directory: "/var/lib/otelcol-obtrace/dead-letter", MaxBytes: 1 << 28, ResendInterval: time.Hour, ResendOnStart: false}
			}),
		},
		{
			name: "passthrough",
			expected: defaultWith(func(c *Config) {
				q := exporterhelper.NewDefaultQueueConfig()
				q.StorageID = &storage
				b := exporterhelper.BatchConfig{FlushTimeout: 200 * time.Millisecond, Sizer: exporterhelper.RequestSizerTypeItems, MinSize: 1000}
				b.Partition.MetadataKeys = []string{"authorization"}
				q.Batch = configoptional.Some(b)
				c.QueueConfig = configoptional.Some(q)
				c.Auth = AuthConfig{Mode: "passthrough", FailureThreshold: 3, CoolOff: 30 * time.Second, MaxTenants: 1000}
			}),
		},
		{
			name: "nocompression",
			expected: defaultWith(func(c *Config) {
				c.APIKey = "obt_dev_nocompression0123456789"
				c.Compression = "none"
				c.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
			}),
		},
		{
			name: "insecure",
			expected: defaultWith(func(c *Config) {
				c.APIKey = "obt_stg_insecure0123456789"
				c.Endpoint = "http://relay.internal:4318"
				c.AllowInsecureHTTP = true
			}),
		},
		{
			name: "loopback",
			expected: defaultWith(func(c *Config) {
				c.APIKey = "obt_dev_loopback0123456789"
				c.Endpoint = "http://127.0.0.1:4318"
			}),
		},
	}
	for _, tt := range tests {
		t.Run("obtrace/"+tt.name, func(t *testing.T) {
			cfg, err := loadConfig(t, tt.name)
			require.NoError(t, err)
			assert.Equal(t, tt.expected, cfg)
			assert.NoError(t, confmap.Validate(cfg))
		})
	}
}

func TestLoadConfigInvalid(t *testing.T) {
	tests := []struct {
		name string
		// atLoad: the error comes from unmarshalling, else from validation.
		atLoad  bool
		wantErr []string
	}{
		{name: "browserkey", wantErr: []string{"browser key"}},
		{name: "authheader", wantErr: []string{"headers", "api_key"}},
		{name: "unknownkey", atLoad: true, wantErr: []string{"tennant_id"}},
		{name: "badstartupcheck", atLoad: true, wantErr: []string{"startup_check"}},
		{name: "badauthmode", atLoad: true, wantErr: []string{"'auth.mode'", `"per_tenant" is not supported`, "api_key", "passthrough"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(t, tt.name)
			if !tt.atLoad {
				require.NoError(t, err)
				err = confmap.Validate(cfg)
				assert.NotContains(t, fmt.Sprint(err), string(cfg.APIKey))
			}
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestAuthModeUnmarshalText(t *testing.T) {
	for _, mode := range []AuthMode{authModeAPIKey, authModePassthrough} {
		var m AuthMode
		require.NoError(t, m.UnmarshalText([]byte(mode)))
		assert.Equal(t, mode, m)
	}
	for _, bad := range []string{"", "API_KEY", "per_tenant", " passthrough"} {
		m := authModeAPIKey
		require.ErrorContains(t, m.UnmarshalText([]byte(bad)), "is not supported; use api_key", bad)
		assert.Equal(t, authModeAPIKey, m, "unchanged by a refused value")
	}
	require.Error(t, (*AuthMode)(nil).UnmarshalText([]byte("api_key")))
}

func TestValidate(t *testing.T) {
	const key = "obt_live_s3cr3t0123456789abcdef"
	valid := func(mutate func(*Config)) *Config {
		cfg := createDefaultConfig().(*Config)
		cfg.APIKey = key
		mutate(cfg)
		return cfg
	}

	tests := []struct {
		name string
		cfg  *Config
		// wantErr holds substrings the error must contain; empty means valid.
		wantErr []string
	}{
		{name: "defaults with a key", cfg: valid(func(*Config) {})},
		{name: "unknown key prefix is accepted", cfg: valid(func(c *Config) { c.APIKey = "legacy-0123456789" })},
		{name: "http to localhost", cfg: valid(func(c *Config) { c.Endpoint = "http://localhost:4318" })},
		{name: "http to 127.0.0.0/8", cfg: valid(func(c *Config) { c.Endpoint = "http://127.1.2.3:4318/base" })},
		{name: "http to ::1", cfg: valid(func(c *Config) { c.Endpoint = "http://[::1]:4318" })},
		{name: "http allowed explicitly", cfg: valid(func(c *Config) {
			c.Endpoint = "http://relay.internal:4318"
			c.AllowInsecureHTTP = true
		})},
		{name: "no endpoint but every signal overridden", cfg: valid(func(c *Config) {
			c.Endpoint = ""
			c.TracesEndpoint = "https://a.example.com/t"
			c.MetricsEndpoint = "https://a.example.com/m"
			c.LogsEndpoint = "https://a.example.com/l"
		})},
		{name: "compression none", cfg: valid(func(c *Config) { c.Compression = "none" })},
		{name: "queue_file_check quarantine", cfg: valid(func(c *Config) { c.QueueFileCheck = "quarantine" })},
		{
			name:    "queue_file_check unknown",
			cfg:     valid(func(c *Config) { c.QueueFileCheck = "repair" }),
			wantErr: []string{"`queue_file_check`", `"repair"`, "fail", "quarantine"},
		},

		{
			name:    "missing api_key",
			cfg:     valid(func(c *Config) { c.APIKey = "" }),
			wantErr: []string{"`api_key`: ", "OBTRACE_API_KEY"},
		},
		{
			name:    "browser key",
			cfg:     valid(func(c *Config) { c.APIKey = "obt_pub_s3cr3t0123456789" }),
			wantErr: []string{"browser key", "obt_pub_", "server key", "OBTRACE_API_KEY"},
		},
		{
			name:    "key with trailing newline",
			cfg:     valid(func(c *Config) { c.APIKey = key + "\n" }),
			wantErr: []string{"`api_key`: ", "whitespace", "OBTRACE_API_KEY"},
		},
		{
			name:    "endpoint without scheme",
			cfg:     valid(func(c *Config) { c.Endpoint = "ingest.obtrace.ai" }),
			wantErr: []string{"`endpoint`: ", "absolute http:// or https:// URL"},
		},
		{
			name:    "endpoint with another scheme",
			cfg:     valid(func(c *Config) { c.Endpoint = "ftp://ingest.obtrace.ai" }),
			wantErr: []string{"`endpoint`: ", "absolute http:// or https:// URL"},
		},
		{
			name:    "endpoint without host",
			cfg:     valid(func(c *Config) { c.Endpoint = "https:///otlp" }),
			wantErr: []string{"`endpoint`: ", "with a host"},
		},
		{
			name:    "endpoint that does not parse",
			cfg:     valid(func(c *Config) { c.Endpoint = "https://ingest obtrace.ai:port" }),
			wantErr: []string{"`endpoint`: ", "not a valid URL"},
		},
		{
			name:    "empty endpoint",
			cfg:     valid(func(c *Config) { c.Endpoint = "" }),
			wantErr: []string{"`endpoint`: empty", "https://ingest.obtrace.ai"},
		},
		{
			name:    "plain http to a remote host",
			cfg:     valid(func(c *Config) { c.Endpoint = "http://ingest.obtrace.ai" }),
			wantErr: []string{"`endpoint`: ", "http://", "clear text", "https://", "allow_insecure_http: true"},
		},
		{
			name:    "traces_endpoint over plain http",
			cfg:     valid(func(c *Config) { c.TracesEndpoint = "http://10.1.2.3:4318/otlp/v1/traces" }),
			wantErr: []string{"`traces_endpoint`: ", "clear text", "allow_insecure_http"},
		},
		{
			name:    "metrics_endpoint malformed",
			cfg:     valid(func(c *Config) { c.MetricsEndpoint = "/otlp/v1/metrics" }),
			wantErr: []string{"`metrics_endpoint`: ", "absolute http:// or https:// URL"},
		},
		{
			name:    "logs_endpoint malformed",
			cfg:     valid(func(c *Config) { c.LogsEndpoint = "::not-a-url" }),
			wantErr: []string{"`logs_endpoint`: ", "not a valid URL"},
		},
		{
			name: "Authorization in headers",
			cfg: valid(func(c *Config) {
				c.Headers = configopaque.MapList{{Name: "Authorization", Value: "Bearer other"}}
			}),
			wantErr: []string{"`headers`: ", "Authorization", "api_key", "remove"},
		},
		{
			name: "authorization in headers, any case",
			cfg: valid(func(c *Config) {
				c.Headers = configopaque.MapList{{Name: "X-Ok", Value: "1"}, {Name: "AUTHORIZATION", Value: "Bearer other"}}
			}),
			wantErr: []string{"`headers`: ", "AUTHORIZATION", "api_key"},
		},
		{
			name:    "negative timeout",
			cfg:     valid(func(c *Config) { c.Timeout = -time.Second }),
			wantErr: []string{"`timeout`: ", "positive"},
		},
		{name: "group_max_items 0 without a persistent queue", cfg: valid(func(c *Config) { c.PersistentQueue.GroupMaxItems = 0 })},
		{
			name:    "group_max_items 0",
			cfg:     valid(func(c *Config) { c.PersistentQueue.GroupMaxItems = 0; withStorage(c) }),
			wantErr: []string{"`persistent_queue.group_max_items`", "not positive", "8192"},
		},
		{
			name:    "negative server_error_retries",
			cfg:     valid(func(c *Config) { c.ServerErrorRetries = -1 }),
			wantErr: []string{"`server_error_retries`", "negative", "5"},
		},
		{
			name: "dead_letter bounds",
			cfg: valid(func(c *Config) {
				c.DeadLetter = DeadLetterConfig{Directory: "/tmp/dlq", MaxBytes: 4096, ResendInterval: -time.Second}
			}),
			wantErr: []string{"`dead_letter.max_bytes`", "1 GiB", "`dead_letter.resend_interval`", "negative", "SIGUSR1"},
		},
		{name: "dead_letter max_bytes unchecked without a directory", cfg: valid(func(c *Config) { c.DeadLetter.MaxBytes = 0 })},
		{
			name:    "negative bookkeeping_interval",
			cfg:     valid(func(c *Config) { c.PersistentQueue.BookkeepingInterval = -time.Second; withStorage(c) }),
			wantErr: []string{"`persistent_queue.bookkeeping_interval`", "negative", "1s"},
		},
		{
			name: "group_commit with block_on_overflow",
			cfg: valid(func(c *Config) {
				withStorage(c)
				c.QueueConfig.Get().BlockOnOverflow = true
			}),
			wantErr: []string{"`persistent_queue.group_commit`", "block_on_overflow: false", "group_commit: false"},
		},
		{name: "block_on_overflow without group_commit", cfg: valid(func(c *Config) {
			withStorage(c)
			c.QueueConfig.Get().BlockOnOverflow = true
			c.PersistentQueue.GroupCommit = false
		})},
		{name: "passthrough without api_key", cfg: valid(func(c *Config) {
			c.APIKey = ""
			c.Auth.Mode = "passthrough"
		})},
		{
			name: "passthrough with api_key",
			cfg: valid(func(c *Config) {
				c.Auth.Mode = "passthrough"
			}),
			wantErr: []string{"auth.mode is passthrough", "`api_key`: must be empty", "remove api_key"},
		},
		{
			name: "passthrough with unpartitioned queue batches",
			cfg: valid(func(c *Config) {
				c.APIKey = ""
				c.Auth.Mode = "passthrough"
				q := exporterhelper.NewDefaultQueueConfig()
				q.Batch = configoptional.Some(exporterhelper.BatchConfig{FlushTimeout: time.Second, Sizer: exporterhelper.RequestSizerTypeItems, MinSize: 100})
				c.QueueConfig = configoptional.Some(q)
			}),
			wantErr: []string{"mix tenants", "sending_queue.batch.partition.metadata_keys: [authorization]"},
		},
		{
			name:    "unknown auth mode",
			cfg:     valid(func(c *Config) { c.Auth.Mode = "per_tenant" }),
			wantErr: []string{"auth: `mode`: \"per_tenant\" is not supported", "api_key", "passthrough"},
		},
		{
			name:    "failure_threshold zero",
			cfg:     valid(func(c *Config) { c.Auth.FailureThreshold = 0 }),
			wantErr: []string{"auth: `failure_threshold`", "at least 1"},
		},
		{
			name:    "cool_off zero",
			cfg:     valid(func(c *Config) { c.Auth.CoolOff = 0 }),
			wantErr: []string{"auth: `cool_off`", "positive"},
		},
		{
			name:    "max_tenants zero",
			cfg:     valid(func(c *Config) { c.Auth.MaxTenants = 0 }),
			wantErr: []string{"auth: `max_tenants`", "at least 1"},
		},
		{
			name:    "key pasted into the endpoint is redacted",
			cfg:     valid(func(c *Config) { c.Endpoint = "ftp://ingest.obtrace.ai/" + key }),
			wantErr: []string{"`endpoint`: ", "[REDACTED]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := confmap.Validate(tt.cfg) // as the collector does: auth checks itself
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
			for line := range strings.SplitSeq(err.Error(), "\n") {
				assert.Regexp(t, "^(auth: )?`[a-z_.]+`: ", line, "one shape: `key`: problem; fix")
			}
			assert.NotContains(t, err.Error(), key)
			if tt.cfg.APIKey != "" {
				assert.NotContains(t, err.Error(), strings.TrimSpace(string(tt.cfg.APIKey)))
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = "http://ingest.obtrace.ai"
	cfg.Headers = configopaque.MapList{{Name: "Authorization", Value: "x"}}
	err := cfg.Validate()
	require.Error(t, err)
	for _, want := range []string{"`api_key`: empty", "clear text", "headers"} {
		assert.Contains(t, err.Error(), want)
	}
}

// withStorage makes c's sending queue persistent.
func withStorage(c *Config) {
	storage := component.MustNewID("file_storage")
	c.QueueConfig.Get().StorageID = &storage
}
