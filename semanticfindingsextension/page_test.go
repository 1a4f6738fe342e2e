package semanticfindingsextension

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testStore() *Store {
	s := NewStore(100, 1<<20)
	s.Record(Finding{Service: "checkout", Metric: "http.server.duration", Unit: "ms", Rule: "name.deprecated", Level: "violation",
		Action: "normalize", Normalize: "rename to http.server.request.duration; unit \"s\"", Detail: "deprecated, renamed"}, t0)
	e := s.Record(Finding{Service: "checkout", Metric: "system_cpu_percent", Unit: "%", Rule: "name.format", Level: "improvement",
		Action: "warn", Detail: "use dots"}, t0)
	e.Seen(t0.Add(time.Minute))
	e.Seen(t0.Add(2 * time.Minute))
	s.Record(Finding{Service: "billing", Metric: "<script>alert(1)</script>", Unit: "1", Rule: "name.format", Level: "violation",
		Action: "warn", Detail: "x"}, t0)
	return s
}

func get(t *testing.T, h http.Handler, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	res := rec.Result()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

var rowRE = regexp.MustCompile(`(?s)<tr class="(\w+)">\s*<td data-v="([^"]*)">.*?<code>([^<]*)</code>`)

// tableRows returns (level, service, metric) of each rendered row, in order.
func tableRows(body string) [][3]string {
	var out [][3]string
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, [3]string{m[1], m[2], m[3]})
	}
	return out
}

func TestPageRendersTableServerSide(t *testing.T) {
	h := newPage(testStore())
	res, body := get(t, h, "/findings")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "script-src 'self'")
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	// Default order: most severe level first, then service, metric.
	assert.Equal(t, [][3]string{
		{"violation", "billing", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"violation", "checkout", "http.server.duration"},
		{"improvement", "checkout", "system_cpu_percent"},
	}, tableRows(body))
	assert.NotContains(t, body, "<script>alert", "client strings are escaped")
	assert.Contains(t, body, "rename to http.server.request.duration; unit &#34;s&#34;")
	assert.Contains(t, body, `<script src="/findings.js"></script>`)

	_, body = get(t, h, "/findings?service=checkout&level=improvement")
	assert.Equal(t, [][3]string{{"improvement", "checkout", "system_cpu_percent"}}, tableRows(body))
	assert.Contains(t, body, "<option selected>checkout</option>")
	assert.Contains(t, body, "<option selected>improvement</option>")
	assert.Contains(t, body, `href="/findings.json?level=improvement&amp;service=checkout&amp;sort=level"`)

	_, body = get(t, h, "/findings?sort=count")
	assert.Equal(t, "system_cpu_percent", tableRows(body)[0][2], "most sightings first")

	_, body = get(t, h, "/findings?service=nobody")
	assert.Empty(t, tableRows(body))
	assert.Contains(t, body, "No findings match this filter.")
}

func TestJSONFormMatchesPage(t *testing.T) {
	h := newPage(testStore())
	res, body := get(t, h, "/findings.json?service=checkout&sort=count")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	var v jsonView
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	assert.Equal(t, "checkout", v.Service)
	assert.Equal(t, "count", v.Sort)
	assert.Equal(t, 3, v.Total)
	require.Len(t, v.Findings, 2)
	f := v.Findings[0]
	assert.Equal(t, "system_cpu_percent", f.Metric)
	assert.Equal(t, "%", f.Unit)
	assert.Equal(t, int64(3), f.Count)
	assert.Equal(t, t0.UTC(), f.FirstSeen)
	assert.Equal(t, t0.Add(2*time.Minute).UTC(), f.LastSeen)
	for _, key := range []string{`"service"`, `"metric"`, `"unit"`, `"rule"`, `"level"`, `"action"`, `"normalize"`, `"detail"`, `"count"`, `"first_seen"`, `"last_seen"`} {
		assert.Contains(t, body, key, "stable field names")
	}
}

func TestPageRefusesBadRequests(t *testing.T) {
	h := newPage(testStore())
	for _, target := range []string{
		"/findings?level=fatal",
		"/findings?service=" + strings.Repeat("a", maxFieldBytes+1),
		"/findings.json?x=" + strings.Repeat("a", maxQueryBytes),
		"/findings?service=%zz",
	} {
		res, _ := get(t, h, target)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, target)
	}
	res, _ := get(t, h, "/nothing")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/findings", strings.NewReader("x")))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	res, _ = get(t, h, "/")
	assert.Equal(t, http.StatusFound, res.StatusCode)
	assert.Equal(t, pagePath, res.Header.Get("Location"))
	res, body := get(t, h, "/findings.js")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `getElementById("findings")`)
}

// Renders past maxConcurrentRenders are refused at once, not queued.
func TestPageBoundsConcurrentRenders(t *testing.T) {
	p := &page{store: testStore(), renders: make(chan struct{}, maxConcurrentRenders), now: time.Now}
	for range maxConcurrentRenders {
		p.renders <- struct{}{}
	}
	rec := httptest.NewRecorder()
	p.serve(p.writeJSON)(rec, httptest.NewRequest(http.MethodGet, "/findings.json", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	<-p.renders
	rec = httptest.NewRecorder()
	p.serve(p.writeJSON)(rec, httptest.NewRequest(http.MethodGet, "/findings.json", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "service=checkout&level=violation&sort=count", "level=fatal", "service=%zz", "sort=;", "a=b;c=d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, ok := parseQuery(raw)
		if !ok {
			return
		}
		if len(raw) > maxQueryBytes || len(q.Service) > maxFieldBytes {
			t.Fatalf("accepted an oversized query %q", raw)
		}
		if q.Level != "" && levelRank(q.Level) == len(levels) {
			t.Fatalf("accepted level %q", q.Level)
		}
		if _, ok := sortKeys[q.Sort]; !ok {
			t.Fatalf("sort %q has no column", q.Sort)
		}
	})
}
