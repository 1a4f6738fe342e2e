package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// multitenantRun prepares configs/gateway-multitenant.yaml on loopback, accepting keys.
func multitenantRun(t *testing.T, ingestURL, extra string, keys ...string) shippedRun {
	t.Helper()
	run := newShippedRun(t, "gateway-multitenant.yaml", ingestURL, "", extra)
	file := filepath.Join(t.TempDir(), "tenant-keys")
	var lines []string
	for i, k := range keys {
		lines = append(lines, fmt.Sprintf("%s tenant-%d", k, i))
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	run.env = append(run.env, "OTELCOL_TENANT_KEYS_FILE="+file)
	return run
}

func bearer(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

func fingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:4])
}

// TestTenantsNeverMix: two tenants send concurrently, each with its own API key, over HTTP and
// gRPC. Every request the ingest sees carries exactly one tenant's data with that tenant's key;
// zero items cross over. Unknown and missing keys are refused at the receiver. Other incoming
// headers never reach the persistent queue.
func TestTenantsNeverMix(t *testing.T) {
	ingest := ingesttest.New(t, nil)
	run := multitenantRun(t, ingest.URL(), "", tenantKeyA, tenantKeyB)
	c := run.start(t)

	const cookie = "X-Session: e2e-private-cookie-7c1d"
	tenants := map[string]workload{
		tenantKeyA: {Protocol: "http", Service: "tenant-a-svc", Prefix: "tenant-a", Spans: 60, Points: 10, Logs: 30,
			Headers: map[string]string{"Authorization": "Bearer " + tenantKeyA, "X-Session": "e2e-private-cookie-7c1d"}},
		tenantKeyB: {Protocol: "grpc", Service: "tenant-b-svc", Prefix: "tenant-b", Spans: 45, Points: 6, Logs: 25,
			ResourceAttrs: []attribute.KeyValue{attribute.String("team", "b")},
			Headers:       map[string]string{"Authorization": "Bearer " + tenantKeyB, "X-Session": "e2e-private-cookie-7c1d"}},
	}
	var wg sync.WaitGroup
	for round := range 2 {
		for _, w := range tenants {
			w.Prefix = fmt.Sprintf("%s-r%d", w.Prefix, round)
			wg.Go(func() {
				w.send(t, c)
			})
		}
	}
	wg.Wait()

	// Unknown and missing keys: refused at the receiver.
	for name, h := range map[string]map[string]string{"unknown key": bearer("obt_live_unknown_0000"), "no key": nil} {
		if status, _, _ := postOTLP(t, c, "/v1/traces", "application/x-protobuf", tracesProto(t, "intruder", "intruder", 3), h); status != http.StatusUnauthorized {
			t.Errorf("%s: HTTP %d, want 401", name, status)
		}
		if code := grpcCode(exportGRPC(t, c, tracesRequest("intruder", "intruder", 3), h)); code != "Unauthenticated" {
			t.Errorf("%s over gRPC: %s, want Unauthenticated", name, code)
		}
	}

	want := itemCounts{}
	for _, w := range tenants {
		want[tracesPath] += 2 * w.Spans
		want[metricsPath] += 2 * w.Points
		want[logsPath] += 2 * w.Logs
	}
	waitDelivered(t, ingest, 30*time.Second, want)
	c.stop(t)

	perTenant := map[string]int{}
	cross := 0
	for _, r := range ingest.Requests() {
		key := strings.TrimPrefix(r.Authorization, "Bearer ")
		w, ok := tenants[key]
		if !ok {
			t.Errorf("%s: request with an unexpected Authorization header (fingerprint %s)", r.Path, fingerprint(key))
			continue
		}
		for _, res := range r.Resources {
			if res["service.name"] != w.Service {
				cross++
				t.Errorf("%s: a %v resource was sent with %s's key", r.Path, res["service.name"], w.Service)
			}
		}
		for _, name := range r.Names {
			if r.Path != metricsPath && !strings.HasPrefix(name, w.Prefix) {
				cross++
				t.Errorf("%s: item %q was sent with %s's key", r.Path, name, w.Service)
			}
			if strings.HasPrefix(name, "intruder") {
				t.Errorf("refused item %q reached the ingest", name)
			}
		}
		perTenant[w.Service] += r.Items
	}
	checkDeliveredExactly(t, ingest, want)
	// Only the Authorization header is kept for the queue: the other header never reaches disk.
	_ = filepath.WalkDir(run.storageDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, _ := os.ReadFile(path); strings.Contains(string(data), "e2e-private-cookie") {
				t.Errorf("queue file %s holds an incoming header (%s) that delivery does not need", filepath.Base(path), strings.SplitN(cookie, ":", 2)[0])
			}
		}
		return nil
	})
	t.Logf("FIGURES tenants: requests %d, items per tenant %v, cross-tenant items %d, unknown/missing-key requests refused 4 (HTTP 401 / gRPC Unauthenticated)",
		len(ingest.Requests()), perTenant, cross)
}

// TestAuthStorm: one tenant's key starts being refused by Obtrace (401). Its data is refused at
// the gateway once the breaker opens; the other tenant's data keeps flowing, all of it; the bad
// key's error is logged rate-limited and by fingerprint only.
func TestAuthStorm(t *testing.T) {
	ingest := ingesttest.New(t, nil)
	ingest.SetResponder(func(r ingesttest.Request) ingesttest.Answer {
		if r.Authorization == "Bearer "+tenantKeyRevoked {
			return ingesttest.Answer{Status: http.StatusUnauthorized}
		}
		return ingesttest.Answer{Status: http.StatusOK}
	})
	run := multitenantRun(t, ingest.URL(), "exporters: {obtrace: {auth: {cool_off: 1500ms}}}\n", tenantKeyA, tenantKeyRevoked)
	c := run.start(t)

	const rounds, spans = 30, 4
	goodSent, badAccepted, badRefused := 0, 0, 0
	var other []int
	for i := range rounds {
		status, _, _ := postOTLP(t, c, "/v1/traces", "application/x-protobuf", tracesProto(t, "tenant-a-svc", fmt.Sprintf("good-%d", i), spans), bearer(tenantKeyA))
		if status != http.StatusOK {
			t.Fatalf("good tenant refused in round %d: %d", i, status)
		}
		goodSent += spans
		status, _, _ = postOTLP(t, c, "/v1/traces", "application/x-protobuf", tracesProto(t, "revoked-svc", fmt.Sprintf("bad-%d", i), spans), bearer(tenantKeyRevoked))
		switch status {
		case http.StatusOK:
			badAccepted++
		case http.StatusUnauthorized:
			badRefused++
		default:
			other = append(other, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitFor(t, 30*time.Second, "every good span", func() bool { return ingest.Delivered(tracesPath) >= goodSent })
	c.stop(t)

	if got := ingest.Delivered(tracesPath); got != goodSent {
		t.Errorf("good tenant: delivered %d spans, want exactly %d", got, goodSent)
	}
	badRequests := 0
	for _, r := range ingest.Requests() {
		if r.Authorization == "Bearer "+tenantKeyRevoked {
			badRequests++
		}
	}
	if badRefused == 0 {
		t.Errorf("the revoked key was never refused at the gateway (accepted %d times)", badAccepted)
	}
	if len(other) > 0 {
		t.Errorf("revoked key answered with %v, want only 200 (before the breaker opens) or 401", other)
	}
	// 3 failures open the breaker; each cool-off (1.5 s over a 3 s storm) lets one trial through.
	if badRequests > 8 {
		t.Errorf("the ingest saw %d requests with the revoked key; the breaker should stop them", badRequests)
	}
	logs := c.output.String()
	fp := fingerprint(tenantKeyRevoked)
	logLines := 0
	for line := range strings.SplitSeq(logs, "\n") {
		if strings.Contains(line, fp) && strings.Contains(strings.ToLower(line), "error") {
			logLines++
		}
	}
	if logLines == 0 {
		t.Errorf("no error log names the revoked key's fingerprint %s", fp)
	}
	if logLines > 6 {
		t.Errorf("%d error log lines for the revoked key in a %d-round storm: not rate-limited", logLines, rounds)
	}
	t.Logf("FIGURES auth-storm: good tenant sent %d spans, delivered %d; revoked key: %d requests accepted before the breaker opened, %d refused at the gateway (401), %d requests reached the ingest, %d error log lines",
		goodSent, ingest.Delivered(tracesPath), badAccepted, badRefused, badRequests, logLines)
}
