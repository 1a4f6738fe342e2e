package obtraceexporter

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 3 ", 3 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.value, now)
		assert.Equal(t, tt.ok, ok, tt.value)
		assert.Equal(t, tt.want, got, tt.value)
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, seed := range []string{"0", "1", "120", "-1", " 5 ", "Wed, 21 Oct 2015 07:28:00 GMT", "soon", "", "99999999999999999999", "9227000000", "1.5"} {
		f.Add(seed)
	}
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, value string) {
		d, ok := parseRetryAfter(value, now)
		if !ok && d != 0 {
			t.Fatalf("%q: delay %v without ok", value, d)
		}
		if d < 0 {
			t.Fatalf("%q: negative delay %v", value, d)
		}
	})
}

func TestIsRetryableStatus(t *testing.T) {
	for code := 100; code < 600; code++ {
		want := code == http.StatusTooManyRequests || code == http.StatusBadGateway ||
			code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
		assert.Equal(t, want, isRetryableStatus(code), code)
	}
}

func TestParseRetryAfterIsCapped(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	for _, value := range []string{"3600", "9227000000", "999999999999999999", now.Add(48 * time.Hour).Format(http.TimeFormat)} {
		d, ok := parseRetryAfter(value, now)
		assert.True(t, ok, value)
		assert.Equal(t, maxRetryAfter, d, value)
	}
}
