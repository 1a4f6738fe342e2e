package obtraceexporter

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// TestAPIKeyNeverLeaks drives the exporter through success, every failure
// path and configuration printing, and checks that the API key shows up in
// none of the logs (debug level and up), returned errors, formatted configs or
// marshalled configs (what print-config shows).
func TestAPIKeyNeverLeaks(t *testing.T) {
	var seen []string // everything a user or operator could see
	record := func(format string, args ...any) { seen = append(seen, fmt.Sprintf(format, args...)) }

	// Requests are answered, in order: OK, partial success, 400 whose status
	// message echoes the Authorization header, 401, 403, then 503 until the
	// retries run out.
	var authorizationSeen string
	f := ingesttest.New(t, func(r ingesttest.Request) ingesttest.Answer {
		authorizationSeen = r.Header.Get("Authorization")
		switch r.N {
		case 1:
			return ingesttest.OK(r)
		case 2:
			return partialSuccess("1 span has no service.name")
		case 3:
			body, _ := proto.Marshal(&status.Status{Code: 3, Message: "bad request from " + r.Header.Get("Authorization")})
			return ingesttest.Answer{Status: http.StatusBadRequest, ContentType: "application/x-protobuf", Body: body}
		case 4:
			return statusAnswer(http.StatusUnauthorized)
		case 5:
			return statusAnswer(http.StatusForbidden)
		default:
			return retryAfter(http.StatusServiceUnavailable, "0")
		}
	})

	cfg := testConfig(f)
	cfg.Identity = testIdentity
	cfg.Headers = configopaque.MapList{{Name: "X-Other-Secret", Value: "also-opaque"}}
	cfg.RetryConfig.MaxElapsedTime = 200 * time.Millisecond

	set, logs := testSettings(component.TelemetrySettings{})
	exp := startTraces(t, set, cfg)
	for range 6 {
		if err := exp.ConsumeTraces(context.Background(), testTraces(map[string]any{"service.name": "cart"})); err != nil {
			record("error: %v", err)
			record("error: %+v", err)
		}
	}
	require.Equal(t, "Bearer "+testAPIKey, authorizationSeen, "the key does reach the server")
	require.GreaterOrEqual(t, len(f.Requests()), 6)

	// Invalid configurations whose errors are printed by the collector.
	for _, mutate := range []func(*Config){
		func(c *Config) { c.APIKey = "obt_pub_" + testAPIKey },
		func(c *Config) { c.APIKey = testAPIKey + "\n" },
		func(c *Config) { c.Endpoint = "http://ingest.obtrace.ai/" + testAPIKey },
		func(c *Config) { c.TracesEndpoint = "ftp://x/" + testAPIKey },
		func(c *Config) {
			c.Headers = configopaque.MapList{{Name: "Authorization", Value: "Bearer " + testAPIKey}}
		},
	} {
		bad := testConfig(f)
		mutate(bad)
		err := confmap.Validate(bad)
		require.Error(t, err)
		record("validate: %v", err)
	}

	// Formatting the config.
	record("%v %+v %#v", cfg, cfg, cfg)
	record("%v %+v %#v", *cfg, *cfg, *cfg)
	record("%v %+v", cfg.upstreamConfig(signalTraces), cfg.upstreamConfig(signalTraces))

	// Marshalling the config, as print-config does (redacted mode, the default).
	for _, c := range []any{cfg, cfg.upstreamConfig(signalLogs)} {
		conf := confmap.New()
		require.NoError(t, conf.Marshal(c))
		record("marshal: %v", conf.ToStringMap())
	}
	conf := confmap.New()
	require.NoError(t, conf.Marshal(cfg))
	assert.Equal(t, "[REDACTED]", conf.Get("api_key"))

	record("logs: %s", logText(logs))
	require.NotEmpty(t, logs.FilterMessageSnippet("refused the request").All(), "the failure paths were exercised")

	all := strings.Join(seen, "\n")
	assert.NotContains(t, all, testAPIKey)
	assert.NotContains(t, all, "also-opaque")
	assert.Contains(t, all, "[REDACTED]")
}
