package obtraceexporter

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

const (
	tenantA = "obt_live_tenantA_0123456789abcdef"
	tenantB = "obt_live_tenantB_fedcba9876543210"
)

func withAuthorization(values ...string) context.Context {
	md := map[string][]string{"Authorization": values, "Cookie": {"session=secret"}, "X-Forwarded-For": {"10.0.0.1"}}
	return client.NewContext(context.Background(), client.Info{Metadata: client.NewMetadata(md)})
}

func TestTenantKeyFromAuthorization(t *testing.T) {
	tests := []struct {
		name    string
		values  []string
		key     string
		code    codes.Code
		wantErr string
	}{
		{name: "bearer", values: []string{"Bearer " + tenantA}, key: tenantA},
		{name: "scheme in any case, padding", values: []string{"  bearer   " + tenantA + " "}, key: tenantA},
		{name: "none", values: nil, code: codes.Unauthenticated, wantErr: "no tenant API key"},
		{name: "two values", values: []string{"Bearer " + tenantA, "Bearer " + tenantB}, code: codes.Unauthenticated, wantErr: "2 Authorization values"},
		{name: "basic", values: []string{"Basic " + tenantA}, code: codes.Unauthenticated, wantErr: "not \"Bearer"},
		{name: "no scheme", values: []string{tenantA}, code: codes.Unauthenticated, wantErr: "not \"Bearer"},
		{name: "empty key", values: []string{"Bearer "}, code: codes.Unauthenticated, wantErr: "not \"Bearer"},
		{name: "key with a space", values: []string{"Bearer " + tenantA + " extra"}, code: codes.Unauthenticated, wantErr: "whitespace"},
		{name: "browser key", values: []string{"Bearer obt_pub_0123456789"}, code: codes.PermissionDenied, wantErr: "browser key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := tenantKeyFromAuthorization(tt.values)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.key, key)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, tt.code, status.Code(err))
			for _, v := range tt.values {
				if f := strings.Fields(v); len(f) > 1 {
					assert.NotContains(t, err.Error(), f[1], "the error shows the key")
				}
			}
		})
	}
}

func TestGuardKeepsOnlyWhatDeliveryNeeds(t *testing.T) {
	pass := &obtraceExporter{passthrough: true, breaker: newBreaker(3, time.Minute, 10)}
	ctx, err := pass.guard(withAuthorization("Bearer " + tenantA))
	require.NoError(t, err)
	md := client.FromContext(ctx).Metadata
	assert.Equal(t, []string{"Bearer " + tenantA}, md.Get("authorization"))
	assert.Empty(t, md.Get("cookie"), "other incoming headers must not reach the queue")
	assert.Empty(t, md.Get("x-forwarded-for"))

	_, err = pass.guard(context.Background())
	assert.Equal(t, codes.Unauthenticated, status.Code(err))

	shared := &obtraceExporter{breaker: newBreaker(3, time.Minute, 10)}
	ctx, err = shared.guard(withAuthorization("Bearer " + tenantA))
	require.NoError(t, err)
	assert.Empty(t, client.FromContext(ctx).Metadata.Get("authorization"), "api_key mode keeps no incoming header")
}

func TestBreakerOpensPerKeyAndCoolsOff(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newBreaker(2, 30*time.Second, 10)
	b.now = func() time.Time { return now }

	assert.False(t, b.record(tenantA, http.StatusUnauthorized))
	require.NoError(t, b.check(tenantA))
	assert.True(t, b.record(tenantA, http.StatusUnauthorized), "second consecutive 401 opens")
	err := b.check(tenantA)
	require.Error(t, err)
	assert.Equal(t, codes.Unauthenticated, status.Code(err))
	assert.Contains(t, err.Error(), keyFingerprint(tenantA))
	assert.NotContains(t, err.Error(), tenantA)
	require.NoError(t, b.check(tenantB), "other tenants are not affected")

	now = now.Add(31 * time.Second)
	require.NoError(t, b.check(tenantA), "after the cool-off one request may try")
	assert.True(t, b.record(tenantA, http.StatusForbidden), "a failed trial opens again at once")
	assert.Equal(t, codes.PermissionDenied, status.Code(b.check(tenantA)))

	now = now.Add(31 * time.Second)
	assert.False(t, b.record(tenantA, http.StatusOK))
	assert.False(t, b.record(tenantA, http.StatusUnauthorized), "a success resets the count")
}

func TestBreakerIsBounded(t *testing.T) {
	b := newBreaker(1, time.Minute, 3)
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5"} {
		b.record(k, http.StatusUnauthorized)
	}
	assert.Equal(t, 3, b.len())
	require.NoError(t, b.check("k1"), "the least recently seen key was forgotten")
	require.Error(t, b.check("k5"))
}

func TestKeyFingerprint(t *testing.T) {
	fp := keyFingerprint(tenantA)
	assert.Len(t, fp, 8)
	assert.NotEqual(t, fp, keyFingerprint(tenantB))
	assert.NotContains(t, tenantA, fp)
}

// TestPassthroughSendsEachRequestWithItsOwnKey: the ingest sees each tenant's
// data with that tenant's key only; a key Obtrace refuses opens its breaker
// and is then refused without a request, while the other key flows on; data
// without a key is refused before anything is sent.
func TestPassthroughSendsEachRequestWithItsOwnKey(t *testing.T) {
	ingest := ingesttest.New(t, func(r ingesttest.Request) ingesttest.Answer {
		if r.Header.Get("Authorization") == "Bearer "+tenantB {
			return ingesttest.Answer{Status: http.StatusUnauthorized}
		}
		return ingesttest.OK(r)
	})
	cfg := testConfig(ingest)
	cfg.APIKey = ""
	cfg.Auth.Mode = authModePassthrough
	cfg.Auth.FailureThreshold = 2
	set, logs := testSettings(componenttest.NewNopTelemetrySettings())
	exp := startTraces(t, set, cfg)

	send := func(key string) error {
		ctx := context.Background()
		if key != "" {
			ctx = withAuthorization("Bearer " + key)
		}
		return exp.ConsumeTraces(ctx, testTraces(map[string]any{"service.name": "svc"}))
	}
	require.NoError(t, send(tenantA))
	for range 2 {
		err := send(tenantB)
		require.Error(t, err)
		assert.True(t, consumererror.IsPermanent(err))
	}
	err := send(tenantB)
	require.Error(t, err)
	assert.Equal(t, codes.Unauthenticated, status.Code(err), "refused fast while the breaker is open")
	require.NoError(t, send(tenantA), "the other tenant flows on")
	err = send("")
	assert.Equal(t, codes.Unauthenticated, status.Code(err))

	reqs := ingest.Requests()
	require.Len(t, reqs, 4, "2 for A, 2 for B before its breaker opened, none without a key")
	for _, r := range reqs {
		auth := r.Header.Get("Authorization")
		assert.Contains(t, []string{"Bearer " + tenantA, "Bearer " + tenantB}, auth)
		assert.Empty(t, r.Header.Get("Cookie"))
	}
	text := logText(logs)
	assert.Contains(t, text, keyFingerprint(tenantB))
	assert.NotContains(t, text, tenantA)
	assert.NotContains(t, text, tenantB)
}

// Fuzz tests for the paths this exporter owns. The seed corpora run as normal
// tests; `go test -fuzz FuzzX ./obtraceexporter/` explores further.

func FuzzTenantKeyFromAuthorization(f *testing.F) {
	for _, seed := range []string{"Bearer " + tenantA, "bearer x", "Basic abc", "", "Bearer ", "Bearer obt_pub_x", "Bearer a\x00b", "Bearer \xff\xfe", "Bearer  a  b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		key, err := tenantKeyFromAuthorization([]string{value})
		if err != nil {
			if key != "" {
				t.Fatalf("key %q returned with error %v", key, err)
			}
			if len(value) > 8 {
				if _, rest, ok := strings.Cut(strings.TrimSpace(value), " "); ok && len(strings.TrimSpace(rest)) > 8 && strings.Contains(err.Error(), strings.TrimSpace(rest)) {
					t.Fatalf("error shows the key: %v", err)
				}
			}
			return
		}
		if key == "" || strings.ContainsAny(key, " \t\r\n") || !strings.Contains(value, key) {
			t.Fatalf("bad key %q from %q", key, value)
		}
	})
}
