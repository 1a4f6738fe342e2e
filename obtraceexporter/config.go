package obtraceexporter

import (
	"encoding"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Config is the configuration of the obtrace exporter.
//
// Only api_key is required; everything else has a default (see
// createDefaultConfig in factory.go and the table in README.md).
type Config struct {
	// APIKey is the Obtrace server API key, sent as "Authorization: Bearer <api_key>".
	// Typically "${env:OBTRACE_API_KEY}". Server keys start with obt_live_,
	// obt_stg_ or obt_dev_; browser keys (obt_pub_) are refused.
	APIKey configopaque.String `mapstructure:"api_key"`

	// Endpoint is the base URL of Obtrace ingest (default https://ingest.obtrace.ai).
	// Signals are sent to <endpoint>/otlp/v1/traces, /otlp/v1/metrics and /otlp/v1/logs.
	Endpoint string `mapstructure:"endpoint"`

	// TracesEndpoint, when set, is the full URL traces are sent to instead of
	// <endpoint>/otlp/v1/traces.
	TracesEndpoint string `mapstructure:"traces_endpoint"`

	// MetricsEndpoint, when set, is the full URL metrics are sent to instead of
	// <endpoint>/otlp/v1/metrics.
	MetricsEndpoint string `mapstructure:"metrics_endpoint"`

	// LogsEndpoint, when set, is the full URL logs are sent to instead of
	// <endpoint>/otlp/v1/logs.
	LogsEndpoint string `mapstructure:"logs_endpoint"`

	// Identity is added to every resource as obtrace.* attributes.
	Identity IdentityConfig `mapstructure:",squash"`

	// Headers are extra HTTP headers sent with every request. They may not set
	// Authorization, which carries api_key.
	Headers configopaque.MapList `mapstructure:"headers"`

	// Compression of request bodies (default gzip; "none" switches it off).
	Compression configcompression.Type `mapstructure:"compression"`

	// Timeout of one HTTP request, including reading the response (default 5s).
	Timeout time.Duration `mapstructure:"timeout"`

	// TLS settings of the HTTPS client (CA file, client certificate, ...).
	TLS configtls.ClientConfig `mapstructure:"tls"`

	// RetryConfig retries failed exports (429, 502, 503, 504 and network
	// errors), honouring Retry-After.
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// QueueConfig buffers data before sending; set storage to a storage
	// extension (e.g. file_storage) for a persistent queue.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`

	// QueueFileCheck is what start does with a damaged persistent-queue file
	// (sending_queue.storage naming a file_storage extension): "fail" (default)
	// stops start with an error naming the file; "quarantine" renames it to
	// <file>.damaged-<UTC time>, logs an error and starts with an empty queue.
	// See queuefile.go.
	QueueFileCheck string `mapstructure:"queue_file_check"`

	// AllowInsecureHTTP allows plain http:// endpoints to hosts other than the
	// loopback interface. The API key then crosses the network in clear text.
	AllowInsecureHTTP bool `mapstructure:"allow_insecure_http"`

	// Auth chooses whose API key authenticates each request: api_key (this
	// configuration's, the default) or passthrough (each incoming request's own).
	Auth AuthConfig `mapstructure:"auth"`

	// StartupCheck sends the Obtrace start-up handshake (POST <endpoint>/v1/init)
	// once at start and logs whether ingest is reachable and accepts api_key.
	// It never fails or delays start. Skipped in auth.mode passthrough. See startup.go.
	StartupCheck bool `mapstructure:"startup_check"`

	// PersistentQueue is how the sending queue uses sending_queue.storage:
	// group commit (groupcommit.go) and lazy bookkeeping (queuestorage.go).
	PersistentQueue PersistentQueueConfig `mapstructure:"persistent_queue"`

	// ServerErrorRetries is how many times a request ingest answered with
	// HTTP 500 is sent again (default 5), waiting as retry_on_failure does
	// (initial_interval, doubling up to max_interval). Then it is refused
	// permanently: dead-lettered, or dropped without a dead_letter directory.
	ServerErrorRetries int `mapstructure:"server_error_retries"`

	// DeadLetter keeps what ingest refused permanently on disk, to resend it.
	// See deadletter.go.
	DeadLetter DeadLetterConfig `mapstructure:"dead_letter"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// IdentityConfig names the Obtrace tenant, project, app and environment the
// data belongs to. Each field that is set is added to every resource that does
// not already carry the attribute; unset fields add nothing.
type IdentityConfig struct {
	// TenantID is added as resource attribute obtrace.tenant_id.
	TenantID string `mapstructure:"tenant_id"`
	// ProjectID is added as resource attribute obtrace.project_id.
	ProjectID string `mapstructure:"project_id"`
	// AppID is added as resource attribute obtrace.app_id.
	AppID string `mapstructure:"app_id"`
	// Env is added as resource attributes obtrace.env and deployment.environment.
	Env string `mapstructure:"env"`
	// OverrideIdentity replaces the attributes above even when a resource
	// already has them. By default values set by the service win.
	OverrideIdentity bool `mapstructure:"override_identity"`
}

// AuthConfig chooses the key each request is sent with (tenant pass-through:
// see doc.go).
type AuthConfig struct {
	// Mode is "api_key" (default: every request carries api_key) or
	// "passthrough" (every request carries the API key its client sent in
	// "Authorization: Bearer <key>"; api_key must then be empty).
	Mode AuthMode `mapstructure:"mode"`
	// FailureThreshold is the number of consecutive 401/403 answers for one
	// key (passthrough) after which that key's data is refused at once.
	FailureThreshold int `mapstructure:"failure_threshold"`
	// CoolOff is how long a key is refused after FailureThreshold failures;
	// then one request tries again.
	CoolOff time.Duration `mapstructure:"cool_off"`
	// MaxTenants bounds the number of keys whose breaker state is kept; the
	// least recently seen is forgotten first.
	MaxTenants int `mapstructure:"max_tenants"`
}

func (a AuthConfig) passthrough() bool { return a.Mode == authModePassthrough }

// AuthMode is whose API key authenticates each request.
type AuthMode string

const (
	// authModeAPIKey sends every request with api_key.
	authModeAPIKey AuthMode = "api_key"
	// authModePassthrough sends every request with its client's own key.
	authModePassthrough AuthMode = "passthrough"
)

var _ encoding.TextUnmarshaler = (*AuthMode)(nil)

// UnmarshalText refuses any mode but api_key and passthrough, so a mistyped
// auth.mode stops the collector when it loads its configuration.
func (m *AuthMode) UnmarshalText(text []byte) error {
	if m == nil {
		return errors.New("cannot unmarshal to a nil *AuthMode")
	}
	mode := AuthMode(text)
	if err := mode.validate(); err != nil {
		return err
	}
	*m = mode
	return nil
}

func (m AuthMode) validate() error {
	if m == authModeAPIKey || m == authModePassthrough {
		return nil
	}
	return fmt.Errorf("%q is not supported; use api_key (every request carries api_key) or passthrough (every request carries its client's own key)", string(m))
}

var _ component.Config = (*Config)(nil)

const (
	// browserKeyPrefix marks browser (ingest-only, Origin-checked) keys, which a
	// collector cannot use.
	browserKeyPrefix = "obt_pub_"
	// headerAuthorization is the header that carries the API key.
	headerAuthorization = "Authorization"
)

// Validate checks the configuration. Every error has the shape
// "`key`: problem; fix", and none contains the API key. The auth block checks
// itself (AuthConfig.Validate); Validate checks how it combines with the rest.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Auth.passthrough() {
		errs = append(errs, cfg.validatePassthrough()...)
	} else {
		errs = append(errs, cfg.validateAPIKey())
	}
	errs = append(errs, cfg.validateEndpoints()...)
	for name := range cfg.Headers.Iter {
		if strings.EqualFold(strings.TrimSpace(name), headerAuthorization) {
			errs = append(errs, fmt.Errorf("`headers`: %q may not be set, the exporter sends \"Authorization: Bearer <api_key>\" itself; put the key in api_key and remove this header", name))
		}
	}
	if cfg.QueueFileCheck != queueFileCheckFail && cfg.QueueFileCheck != queueFileCheckQuarantine {
		errs = append(errs, fmt.Errorf("`queue_file_check`: %q is not supported; use fail (a damaged queue file stops start) or quarantine (it is moved aside and the queue starts empty)", cfg.QueueFileCheck))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("`timeout`: %v is negative; set a positive duration such as 5s", cfg.Timeout))
	}
	errs = append(errs, cfg.validatePersistentQueue(), cfg.validateDelivery())
	return redactError(errors.Join(errs...), string(cfg.APIKey))
}

// validatePassthrough checks what auth.mode passthrough asks of the rest of
// the configuration.
func (cfg *Config) validatePassthrough() []error {
	var errs []error
	if cfg.APIKey != "" {
		errs = append(errs, errors.New("`api_key`: must be empty when auth.mode is passthrough, as each request is sent with the key its client sent; "+
			"remove api_key (data without a key is refused, never sent with a shared key), or use auth.mode: api_key"))
	}
	if cfg.QueueConfig.HasValue() && cfg.QueueConfig.Get().Batch.HasValue() {
		partition := cfg.QueueConfig.Get().Batch.Get().Partition.MetadataKeys
		if !slices.ContainsFunc(partition, func(k string) bool { return strings.EqualFold(k, metadataAuthorization) }) {
			errs = append(errs, errors.New("`sending_queue.batch.partition.metadata_keys`: lacks authorization while auth.mode is passthrough, so batches would mix tenants; "+
				"add sending_queue.batch.partition.metadata_keys: [authorization]"))
		}
	}
	return errs
}

// Validate checks the auth settings on their own. The collector's
// confmap.Validate calls it and prefixes its errors with the path ("auth: ").
func (a *AuthConfig) Validate() error {
	var errs []error
	if err := a.Mode.validate(); err != nil {
		errs = append(errs, fmt.Errorf("`mode`: %w", err))
	}
	if a.FailureThreshold < 1 {
		errs = append(errs, fmt.Errorf("`failure_threshold`: %d is below 1; set at least 1, the number of consecutive 401/403 answers for one key before its data is refused (default %d)", a.FailureThreshold, defaultFailureThreshold))
	}
	if a.CoolOff <= 0 {
		errs = append(errs, fmt.Errorf("`cool_off`: %v is not positive; set a positive duration such as 60s", a.CoolOff))
	}
	if a.MaxTenants < 1 {
		errs = append(errs, fmt.Errorf("`max_tenants`: %d is below 1; set at least 1, the number of keys whose breaker state is kept (default %d)", a.MaxTenants, defaultMaxTenants))
	}
	return errors.Join(errs...)
}

func (cfg *Config) validateAPIKey() error {
	key := string(cfg.APIKey)
	switch {
	case key == "":
		return errors.New("`api_key`: empty; set api_key (usually api_key: \"${env:OBTRACE_API_KEY}\") and make sure the OBTRACE_API_KEY environment variable holds an Obtrace server key")
	case strings.HasPrefix(key, browserKeyPrefix):
		return errors.New("`api_key`: an Obtrace browser key (prefix obt_pub_), which is ingest-only for browsers and cannot be used by a collector; " +
			"create a server key (prefix obt_live_, obt_stg_ or obt_dev_) in Obtrace and put it in OBTRACE_API_KEY")
	case strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return errors.New("`api_key`: contains whitespace or control characters (often a trailing newline from a file or secret); remove them from OBTRACE_API_KEY")
	}
	return nil
}

func (cfg *Config) validateEndpoints() []error {
	var errs []error
	if cfg.Endpoint == "" {
		if cfg.TracesEndpoint == "" || cfg.MetricsEndpoint == "" || cfg.LogsEndpoint == "" {
			errs = append(errs, fmt.Errorf("`endpoint`: empty; set endpoint to the Obtrace ingest base URL (default %s), or set all of traces_endpoint, metrics_endpoint and logs_endpoint", defaultEndpoint))
		}
	} else {
		errs = append(errs, cfg.validateURL("endpoint", cfg.Endpoint))
	}
	for _, o := range []struct{ name, value string }{
		{"traces_endpoint", cfg.TracesEndpoint},
		{"metrics_endpoint", cfg.MetricsEndpoint},
		{"logs_endpoint", cfg.LogsEndpoint},
	} {
		if o.value != "" {
			errs = append(errs, cfg.validateURL(o.name, o.value))
		}
	}
	return errs
}

// validateURL checks that raw is an absolute http(s) URL with a host, and that
// plain http is only used towards loopback unless allow_insecure_http is set.
func (cfg *Config) validateURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("`%s`: %q is not a valid URL; use an absolute http:// or https:// URL with a host, for example %s", name, raw, defaultEndpoint)
	}
	if u.Scheme == "http" && !cfg.AllowInsecureHTTP && !isLoopback(u.Hostname()) {
		return fmt.Errorf("`%s`: %q uses plain http:// to a host that is not loopback, so the API key would cross the network in clear text; use https://, or set allow_insecure_http: true if the network path is trusted", name, raw)
	}
	return nil
}

// isLoopback reports whether host is localhost or a loopback IP address
// (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// PersistentQueueConfig applies when sending_queue.storage is set.
type PersistentQueueConfig struct {
	// GroupCommit writes the requests that arrive while the queue's storage
	// is busy as one queue item, in one transaction (default true).
	GroupCommit bool `mapstructure:"group_commit"`
	// GroupMaxItems is the most spans, data points or log records one group
	// gathers (default 8192). A larger request is written alone, never split.
	GroupMaxItems int `mapstructure:"group_max_items"`
	// BookkeepingInterval is how long the queue's own bookkeeping (what was
	// read, what was delivered) may wait in memory for the next write
	// (default 1s). A crash loses at most that much of it: those items are
	// delivered again. Items are always on disk before they are accepted.
	// 0 writes (and fsyncs) the bookkeeping at once, as upstream does.
	BookkeepingInterval time.Duration `mapstructure:"bookkeeping_interval"`
}

// persistent reports whether the sending queue has a storage extension.
func (cfg *Config) persistent() bool {
	return cfg.QueueConfig.HasValue() && cfg.QueueConfig.Get().StorageID != nil
}

// groupCommitOn reports whether requests pass through a groupCommit.
func (cfg *Config) groupCommitOn() bool { return cfg.persistent() && cfg.PersistentQueue.GroupCommit }

func (cfg *Config) validatePersistentQueue() error {
	pq := cfg.PersistentQueue
	if !cfg.persistent() {
		return nil
	}
	var errs []error
	if pq.BookkeepingInterval < 0 {
		errs = append(errs, fmt.Errorf("`persistent_queue.bookkeeping_interval`: %v is negative; set a duration such as 1s, or 0 to write bookkeeping at once", pq.BookkeepingInterval))
	}
	if !pq.GroupCommit {
		return errors.Join(errs...)
	}
	if pq.GroupMaxItems <= 0 {
		errs = append(errs, fmt.Errorf("`persistent_queue.group_max_items`: %d is not positive; set it to the queue's batch size, such as 8192, or group_commit: false", pq.GroupMaxItems))
	}
	if cfg.QueueConfig.Get().BlockOnOverflow {
		// A group is offered for all its requests at once, so it cannot
		// give up when one client does; waiting for space could then last
		// as long as an ingest outage.
		errs = append(errs, errors.New("`persistent_queue.group_commit`: cannot be combined with sending_queue.block_on_overflow: true; "+
			"set block_on_overflow: false (a full queue then refuses with a retryable error) or persistent_queue.group_commit: false"))
	}
	return errors.Join(errs...)
}

// DeadLetterConfig is the dead-letter queue: requests ingest refused
// permanently (401, 403, 400, 3xx, 413 for one record, 500 after
// server_error_retries), kept with their status and reason instead of being
// dropped, and sent again when the cause may be gone.
type DeadLetterConfig struct {
	// Directory holds one subdirectory per exporter and signal (created 0700,
	// files 0600). Empty (the default): no dead-letter queue; refused data is
	// dropped and counted in otelcol_exporter_obtrace_failed_items.
	Directory string `mapstructure:"directory"`
	// MaxBytes bounds the disk it uses per signal (default 1 GiB); when full,
	// the oldest entries are dropped, counted and logged.
	MaxBytes int64 `mapstructure:"max_bytes"`
	// ResendInterval is how often the entries are sent again (default 10m;
	// 0: only at start and on SIGUSR1).
	ResendInterval time.Duration `mapstructure:"resend_interval"`
	// ResendOnStart sends the entries again when the collector starts
	// (default true), e.g. after a restart with a corrected api_key.
	ResendOnStart bool `mapstructure:"resend_on_start"`
}

func (cfg *Config) validateDelivery() error {
	var errs []error
	if cfg.ServerErrorRetries < 0 {
		errs = append(errs, fmt.Errorf("`server_error_retries`: %d is negative; set 0 (no retry of HTTP 500) or more, such as 5", cfg.ServerErrorRetries))
	}
	dl := cfg.DeadLetter
	if dl.Directory == "" {
		return errors.Join(errs...)
	}
	if dl.MaxBytes < minDeadLetterBytes {
		errs = append(errs, fmt.Errorf("`dead_letter.max_bytes`: %d is below %d; set a size such as 1073741824 (1 GiB)", dl.MaxBytes, minDeadLetterBytes))
	}
	if dl.ResendInterval < 0 {
		errs = append(errs, fmt.Errorf("`dead_letter.resend_interval`: %v is negative; set a duration such as 10m, or 0 to resend only at start and on SIGUSR1", dl.ResendInterval))
	}
	return errors.Join(errs...)
}
