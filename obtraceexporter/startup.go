package obtraceexporter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/exporter"
	"go.uber.org/zap"
)

// The start-up check (startup_check): see doc.go.

// initPath is where Obtrace ingest serves the handshake, below the base URL.
const initPath = "/v1/init"

// defaultServiceName is reported when the build info has no command name.
const defaultServiceName = "otelcol-obtrace"

// startupChecks holds the endpoint+key fingerprints being or already checked,
// each mapped to the *startupCheck that owns it.
var startupChecks sync.Map

// initRequest is the handshake body.
type initRequest struct {
	SDK         string `json:"sdk"`
	SDKVersion  string `json:"sdk_version"`
	ServiceName string `json:"service_name"`
}

// startupCheck is one exporter's handshake.
type startupCheck struct {
	endpoint    string // base URL, logged
	url         string // <endpoint>/v1/init
	apiKey      string
	fingerprint string // of endpoint+key: the startupChecks key
	client      confighttp.ClientConfig
	body        []byte
	logger      *zap.Logger
	telemetry   component.TelemetrySettings

	cancel context.CancelFunc
	done   chan struct{}
}

// newStartupCheck returns the handshake of an exporter, or nil when there is
// none: startup_check off, passthrough mode (no single key), no key, or no
// base endpoint (only per-signal URLs set).
func newStartupCheck(cfg *Config, set exporter.Settings) *startupCheck {
	if !cfg.StartupCheck || cfg.Auth.passthrough() || cfg.APIKey == "" || cfg.Endpoint == "" {
		return nil
	}
	base := strings.TrimRight(cfg.Endpoint, "/")
	service := set.BuildInfo.Command
	if service == "" {
		service = defaultServiceName
	}
	body, _ := json.Marshal(initRequest{SDK: defaultServiceName, SDKVersion: set.BuildInfo.Version, ServiceName: service})

	// The exporter's own client settings, without the response observer
	// (it serves export calls only) and without compression: the handshake is
	// a small uncompressed JSON body.
	client := cfg.clientConfig()
	client.Compression = configcompression.Type("")
	if client.Timeout <= 0 {
		client.Timeout = defaultTimeout
	}
	return &startupCheck{
		endpoint:    base,
		url:         base + initPath,
		apiKey:      string(cfg.APIKey),
		fingerprint: keyFingerprint(base + "\x00" + string(cfg.APIKey)),
		client:      client,
		body:        body,
		logger:      set.Logger,
		telemetry:   set.TelemetrySettings,
	}
}

// start runs the handshake in the background unless another exporter of this
// process already checks the same endpoint+key. It never blocks.
func (c *startupCheck) start(host component.Host) {
	if c == nil {
		return
	}
	if _, loaded := startupChecks.LoadOrStore(c.fingerprint, c); loaded {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.done = make(chan struct{})
	var exts map[component.ID]component.Component
	if host != nil {
		exts = host.GetExtensions()
	}
	go func() {
		defer close(c.done)
		c.run(ctx, exts)
	}()
}

// shutdown cancels a running handshake and waits for it, at most until ctx
// ends, then releases the endpoint+key claim.
func (c *startupCheck) shutdown(ctx context.Context) {
	if c == nil || c.cancel == nil {
		return
	}
	c.cancel()
	select {
	case <-c.done:
	case <-ctx.Done():
	}
	startupChecks.CompareAndDelete(c.fingerprint, c)
}

// run sends the handshake once and logs its outcome. Nothing it logs
// contains the API key.
func (c *startupCheck) run(ctx context.Context, exts map[component.ID]component.Component) {
	fields := []zap.Field{zap.String("endpoint", c.endpoint), zap.String("key_fingerprint", keyFingerprint(c.apiKey))}
	status, redirect, err := c.send(ctx, exts)
	switch {
	case err != nil && ctx.Err() != nil:
		c.logger.Debug("Obtrace start-up check cancelled by shutdown", fields...)
	case err != nil:
		err = redactError(err, c.apiKey)
		c.logger.Warn(fmt.Sprintf("cannot reach Obtrace ingest at %s: %v; data will be queued and retried", c.endpoint, err), fields...)
	case status >= 200 && status < 300:
		c.logger.Info("Obtrace ingest reachable, API key accepted", fields...)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		c.logger.Warn("Obtrace ingest refused the API key at the start-up check; data it refuses is dropped",
			append([]zap.Field{zap.Int("http.response.status_code", status), zap.String("hint", rejectionHint(status))}, fields...)...)
	case isRedirect(status):
		c.logger.Warn(fmt.Sprintf("Obtrace ingest at %s answered the start-up check with a redirect, which is not followed: %v", c.endpoint, redirectError(status, redirect)),
			append([]zap.Field{zap.Int("http.response.status_code", status), zap.String("redirect_host", redirect)}, fields...)...)
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		c.logger.Debug("Obtrace ingest does not offer the start-up handshake; check skipped",
			append([]zap.Field{zap.Int("http.response.status_code", status)}, fields...)...)
	default:
		c.logger.Warn("Obtrace ingest answered the start-up check with an unexpected status; data will be queued and retried",
			append([]zap.Field{zap.Int("http.response.status_code", status)}, fields...)...)
	}
}

// send makes the one handshake request and returns its status code and, for
// a redirect (never followed, see redirect.go), the host it points to.
func (c *startupCheck) send(ctx context.Context, exts map[component.ID]component.Component) (status int, redirect string, err error) {
	client, err := c.client.ToClient(ctx, exts, c.telemetry)
	if err != nil {
		return 0, "", fmt.Errorf("HTTP client: %w", err)
	}
	client.CheckRedirect = refuseRedirect
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(c.body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }() // only the status and a bounded body are read
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseReadBytes))
	if resp.StatusCode == 0 {
		return 0, "", errors.New("no HTTP status")
	}
	if isRedirect(resp.StatusCode) {
		redirect = redactSecrets(redirectHost(req.URL, resp.Header.Get("Location")), c.apiKey) // ingest wrote it
	}
	return resp.StatusCode, redirect, nil
}
