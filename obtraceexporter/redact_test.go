package obtraceexporter

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap/zapcore"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

func TestRedactSecrets(t *testing.T) {
	for in, want := range map[string]string{
		"key " + testAPIKey + " echoed":               "key [REDACTED] echoed",
		"custom-tenant-secret in text":                "[REDACTED] in text",
		"other key obt_stg_AbC123-_x.y, then":         "other key [REDACTED], then",
		"browser obt_pub_abc":                         "browser [REDACTED]",
		"Authorization: Bearer abcdefghijklmnop0123=": "Authorization: Bearer [REDACTED]",
		"bearer\tabcdefghijklmnopqrstuvwxyz":          "bearer [REDACTED]",
		`send "Authorization: Bearer <api_key>"`:      `send "Authorization: Bearer <api_key>"`,
		"the bearer key is an Obtrace browser key":    "the bearer key is an Obtrace browser key",
		"prefix obt_live_, obt_stg_ or obt_dev_":      "prefix obt_live_, obt_stg_ or obt_dev_",
		"1 span has no service.name":                  "1 span has no service.name",
	} {
		assert.Equal(t, want, redactSecrets(in, testAPIKey, "custom-tenant-secret", ""), in)
	}
}

func TestIngestMessageIsBounded(t *testing.T) {
	long := strings.Repeat("é", 1000) + testAPIKey
	got := ingestMessage(long, testAPIKey)
	assert.LessOrEqual(t, len(got), maxIngestMessageBytes)
	assert.True(t, utf8.ValidString(got))
	assert.True(t, strings.HasSuffix(got, "…"))

	// A key across the cut is redacted before cutting, so no prefix of it remains.
	cut := strings.Repeat("x", maxIngestMessageBytes-10) + testAPIKey
	assert.NotContains(t, ingestMessage(cut, testAPIKey), testAPIKey[:8])
	assert.Equal(t, "short", ingestMessage("short"))
}

func TestRedactErrorKeepsMeaning(t *testing.T) {
	err := consumererror.NewPermanent(errors.New("echo " + testAPIKey))
	red := redactError(err)
	assert.Equal(t, "Permanent error: echo [REDACTED]", red.Error())
	assert.True(t, consumererror.IsPermanent(red))
	plain := errors.New("nothing secret")
	assert.Same(t, plain, redactError(plain, testAPIKey))
	assert.NoError(t, redactError(nil, testAPIKey))
}

// TestPartialSuccessMessageIsRedacted: ingest echoes the configured key, a
// tenant's key, another Obtrace key and a bearer value in error_message;
// none of them reaches the log, and the message is bounded.
func TestPartialSuccessMessageIsRedacted(t *testing.T) {
	const tenantKey = "tenant-key-without-prefix-42"
	echo := func(r ingesttest.Request) string {
		return "rejected for " + r.Header.Get("Authorization") + " and " + testAPIKey + " and obt_dev_someoneelse99 " + tenantKey +
			strings.Repeat(" padding", 200)
	}
	for _, mode := range []AuthMode{authModeAPIKey, authModePassthrough} {
		t.Run(string(mode), func(t *testing.T) {
			f := ingesttest.New(t, func(r ingesttest.Request) ingesttest.Answer {
				return partialSuccess(echo(r))
			})
			cfg := testConfig(f)
			ctx := context.Background()
			if mode == authModePassthrough {
				cfg.APIKey = ""
				cfg.Auth.Mode = authModePassthrough
				ctx = withAuthorization("Bearer " + tenantKey)
			}
			set, logs := testSettings(component.TelemetrySettings{})
			exp := startTraces(t, set, cfg)
			require.NoError(t, exp.ConsumeTraces(ctx, testTraces(map[string]any{})))

			entries := logs.FilterMessageSnippet("Partial success").All()
			require.Len(t, entries, 1, "logged once, by this exporter (not also by the upstream one)")
			assert.Equal(t, zapcore.WarnLevel, entries[0].Level)
			msg := entries[0].ContextMap()["message"].(string)
			assert.True(t, strings.HasPrefix(msg, "rejected for "), msg)
			assert.Contains(t, msg, redactedText)
			assert.LessOrEqual(t, len(msg), maxIngestMessageBytes)
			secrets := []string{testAPIKey, "obt_dev_someoneelse99"}
			if mode == authModePassthrough {
				secrets = append(secrets, tenantKey) // only a secret where it is the request's key
			}
			text := logText(logs)
			for _, secret := range secrets {
				assert.NotContains(t, text, secret)
			}
		})
	}
}

func FuzzIngestMessage(f *testing.F) {
	for _, seed := range []string{
		"", "1 span has no service.name", "Bearer " + testAPIKey, "obt_live_x", "bearer\t" + strings.Repeat("A", 40),
		strings.Repeat("é", 600), "\xff\xfe" + testAPIKey, strings.Repeat("obt_pub_", 100),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, message string) {
		got := ingestMessage(message, testAPIKey)
		if len(got) > maxIngestMessageBytes {
			t.Fatalf("%d bytes, more than %d", len(got), maxIngestMessageBytes)
		}
		if strings.Contains(got, testAPIKey) {
			t.Fatalf("key left in %q", got)
		}
		if utf8.ValidString(message) && !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 from valid input: %q", got)
		}
		if secretPattern.MatchString(strings.ReplaceAll(got, "…", "")) && !strings.HasSuffix(got, "…") {
			t.Fatalf("secret-looking text left in %q", got)
		}
	})
}
