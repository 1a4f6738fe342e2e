package semanticmetricsprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSuggestFormat(t *testing.T) {
	for in, want := range map[string]string{
		"MyApp.RequestCount":  "myapp.request_count",
		"http-server.latency": "http_server.latency",
		"acme.HTTPServer":     "acme.http_server",
		"acme..x__y_":         "acme.x_y",
		"Acme/Jobs.Count":     "acme_jobs.count",
	} {
		assert.Equal(t, want, suggestFormat(in), in)
		assert.True(t, formatOK(want), want)
	}
}

func TestSyntaxAndFormat(t *testing.T) {
	for name, want := range map[string][2]bool{
		"dice.rolls":              {true, true},
		"http_requests_total":     {true, true},
		"2xx responses":           {false, false},
		"MyApp.RequestCount":      {true, false},
		"http-server.latency":     {true, false},
		"a..b":                    {true, false},
		"a.b_":                    {true, false},
		"":                        {false, false},
		"a/b":                     {true, false},
		string(make([]byte, 300)): {false, false},
	} {
		assert.Equal(t, want[0], syntaxOK(name), "syntax %q", name)
		assert.Equal(t, want[1], formatOK(name), "format %q", name)
	}
}
