package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
)

// The findings page (semanticfindingsextension) of configs/local.yaml, as shipped, loaded from
// the real binary in headless Chromium after seed-style traffic: the metric names of the
// Obtrace Python SDK guide and of the Python OpenTelemetry integration guide
// (/work/shared/seeds/).

// findingsRow is one row of /findings.json.
type findingsRow struct {
	Service, Metric, Unit, Rule, Level, Action, Normalize, Detail string
	Count                                                         int64
	FirstSeen                                                     time.Time `json:"first_seen"`
	LastSeen                                                      time.Time `json:"last_seen"`
}

// seedMetrics is one export of a service instrumented as the seeds show: the SDK guide's
// http.server.duration in ms (a histogram), the integration guide's http_requests_total
// counter and system_cpu_percent gauge.
func seedMetrics(t *testing.T, service string) []byte {
	t.Helper()
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", service)
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("obtrace_sdk")
	now := pcommon.NewTimestampFromTime(time.Now())

	m := sm.Metrics().AppendEmpty()
	m.SetName("http.server.duration")
	m.SetUnit("ms")
	h := m.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	dp := h.DataPoints().AppendEmpty()
	dp.SetTimestamp(now)
	dp.ExplicitBounds().FromRaw([]float64{5, 10, 25, 50, 75, 100, 250, 500, 750, 1000})
	dp.BucketCounts().FromRaw([]uint64{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0})
	dp.SetCount(1)
	dp.SetSum(142.5)

	m = sm.Metrics().AppendEmpty()
	m.SetName("http_requests_total")
	s := m.SetEmptySum()
	s.SetIsMonotonic(true)
	s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	s.DataPoints().AppendEmpty().SetIntValue(12)
	s.DataPoints().At(0).SetTimestamp(now)

	m = sm.Metrics().AppendEmpty()
	m.SetName("system_cpu_percent")
	m.SetUnit("%")
	g := m.SetEmptyGauge().DataPoints().AppendEmpty()
	g.SetDoubleValue(37.5)
	g.SetTimestamp(now)

	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// chromiumBinary is Debian's chromium; absent, the test is skipped, except in CI.
func chromiumBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (.ci/run installs it with apt-get)")
	}
	t.Skip("chromium is not installed: apt-get install -y chromium")
	return ""
}

// chromium runs headless Chromium with args and returns its standard output.
func chromium(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

var (
	domRowRE  = regexp.MustCompile(`(?s)<tr class="[a-z]+">(.*?)</tr>`)
	domCellRE = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	domTagRE  = regexp.MustCompile(`<[^>]+>`)
)

// renderedRows returns the text of each cell of each finding row of a rendered page.
func renderedRows(dom string) [][]string {
	var rows [][]string
	for _, r := range domRowRE.FindAllStringSubmatch(dom, -1) {
		var cells []string
		for _, c := range domCellRE.FindAllStringSubmatch(r[1], -1) {
			cells = append(cells, html.UnescapeString(domTagRE.ReplaceAllString(c[1], "")))
		}
		rows = append(rows, cells)
	}
	return rows
}

func getFindingsJSON(t *testing.T, base, query string) []findingsRow {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/findings.json" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // a test request: only its status and body matter
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<22))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /findings.json%s: %d %s", query, resp.StatusCode, b)
	}
	var v struct{ Findings []findingsRow }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("/findings.json: %v: %s", err, b)
	}
	return v.Findings
}

func TestFindingsPageInBrowser(t *testing.T) {
	browser := chromiumBinary(t)
	ports := newCollectorPorts(t)
	pageAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	// local.yaml on loopback: its ports and its findings page; the debug exporter at basic verbosity.
	page := fmt.Sprintf(`
extensions:
  semanticfindings: {endpoint: "%s"}
exporters:
  debug: {verbosity: basic}
`, pageAddr)
	c := startCollectorArgs(t, ports, configArgs(t, shippedConfig(t, "local.yaml"), portsOverlay(ports), page))

	const sends = 3
	for i := range sends {
		for _, service := range []string{"checkout-api", "billing-worker"} {
			if code, body, _ := postOTLP(t, c, "/v1/metrics", "application/x-protobuf", seedMetrics(t, service), nil); code != http.StatusOK {
				t.Fatalf("export %d for %s: %d %s", i, service, code, body)
			}
		}
	}
	base := "http://" + pageAddr
	var rows []findingsRow
	waitFor(t, 20*time.Second, "every sighting on /findings.json", func() bool {
		rows = getFindingsJSON(t, base, "")
		return len(rows) > 0 && !slices.ContainsFunc(rows, func(r findingsRow) bool { return r.Count < sends })
	})

	// The JSON form: each seed metric of each service, with the SDK guide's unit and the fix.
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Service+" "+r.Metric] = true
		if r.Count != sends || r.FirstSeen.IsZero() || r.LastSeen.Before(r.FirstSeen) || r.Rule == "" || r.Detail == "" {
			t.Errorf("row %+v: want count %d, first <= last seen, a rule and a detail", r, sends)
		}
		if r.Action != "warn" {
			t.Errorf("row %+v: configs/local.yaml is mode warn", r)
		}
	}
	// http_requests_total draws no finding (a Prometheus-form counter is accepted): not listed.
	for _, service := range []string{"checkout-api", "billing-worker"} {
		for _, metric := range []string{"http.server.duration", "system_cpu_percent"} {
			if !seen[service+" "+metric] {
				t.Errorf("/findings.json has no row for %s %s: %+v", service, metric, rows)
			}
		}
	}
	deprecated := slices.IndexFunc(rows, func(r findingsRow) bool {
		return r.Service == "checkout-api" && r.Metric == "http.server.duration" && r.Rule == "name.deprecated"
	})
	if deprecated < 0 {
		t.Fatalf("no name.deprecated row for http.server.duration: %+v", rows)
	}
	if r := rows[deprecated]; r.Unit != "ms" || r.Level != "violation" || !strings.Contains(r.Normalize, "rename to http.server.request.duration") {
		t.Errorf("http.server.duration: want unit ms, level violation, normalize renaming to http.server.request.duration; got %+v", r)
	}

	// The page in a browser: the table Chromium renders has the JSON's rows, and the script ran.
	dom := chromium(t, browser, "--virtual-time-budget=5000", "--dump-dom", base+"/findings")
	assertNoSecret(t, "the findings page", dom)
	if !strings.Contains(dom, `<table id="findings" class="sortable">`) {
		t.Errorf("the page's script did not run (no sortable table):\n%.2000s", dom)
	}
	rendered := renderedRows(dom)
	if len(rendered) != len(rows) {
		t.Fatalf("rendered %d rows, /findings.json has %d:\n%.4000s", len(rendered), len(rows), dom)
	}
	var domKeys, jsonKeys []string
	for _, cells := range rendered {
		if len(cells) != 11 {
			t.Fatalf("row with %d cells, want 11: %q", len(cells), cells)
		}
		domKeys = append(domKeys, strings.Join([]string{cells[0], cells[1], cells[2], cells[3], cells[4], cells[8]}, "|"))
	}
	for _, r := range rows {
		jsonKeys = append(jsonKeys, strings.Join([]string{r.Service, r.Metric, r.Unit, r.Rule, r.Level, strconv.FormatInt(r.Count, 10)}, "|"))
	}
	slices.Sort(domKeys)
	slices.Sort(jsonKeys)
	if !slices.Equal(domKeys, jsonKeys) {
		t.Errorf("rendered rows differ from /findings.json:\n%s\nvs\n%s", strings.Join(domKeys, "\n"), strings.Join(jsonKeys, "\n"))
	}

	// The filter in the query string is applied by the server.
	filtered := getFindingsJSON(t, base, "?service=billing-worker&level=violation")
	dom = chromium(t, browser, "--virtual-time-budget=5000", "--dump-dom", base+"/findings?service=billing-worker&level=violation")
	rendered = renderedRows(dom)
	if len(filtered) == 0 || len(rendered) != len(filtered) {
		t.Errorf("filtered page: %d rows rendered, %d in /findings.json", len(rendered), len(filtered))
	}
	for _, cells := range rendered {
		if cells[0] != "billing-worker" || cells[4] != "violation" {
			t.Errorf("filtered page shows %q", cells)
		}
	}
	if !strings.Contains(dom, "<option selected=\"\">billing-worker</option>") {
		t.Errorf("the service filter is not selected in the rendered page")
	}

	// A screenshot, as a test artifact (not committed).
	dir := os.Getenv("ARTIFACT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	shot := filepath.Join(dir, "findings.png")
	chromium(t, browser, "--screenshot="+shot, "--window-size=1400,900", "--virtual-time-budget=5000", base+"/findings")
	png, err := os.ReadFile(shot)
	if err != nil || len(png) < 10000 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s: %d bytes, err %v", shot, len(png), err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))
}
