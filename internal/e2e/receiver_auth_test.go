package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
)

// TestReceiverAuth runs configs/gateway.yaml: requests without the receivers' bearer token, or
// with a wrong one, are refused (HTTP 401, gRPC Unauthenticated) and nothing of them reaches
// the ingest; with the token, every item is delivered exactly once.
func TestReceiverAuth(t *testing.T) {
	ingest := ingesttest.New(t, nil)
	run := newShippedRun(t, "gateway.yaml", ingest.URL(), "", "")
	c := run.start(t)

	wrong := map[string]string{"Authorization": "Bearer not-the-token"}
	for name, headers := range map[string]map[string]string{"no token": nil, "wrong token": wrong, "no scheme": {"Authorization": testReceiverToken}} {
		status, _, _ := postOTLP(t, c, "/v1/traces", "application/x-protobuf", tracesProto(t, "intruder", "denied-http", 5), headers)
		if status != http.StatusUnauthorized {
			t.Errorf("HTTP with %s: status %d, want 401", name, status)
		}
		err := exportGRPC(t, c, tracesRequest("intruder", "denied-grpc", 5), headers)
		if code := grpcCode(err); code != "Unauthenticated" {
			t.Errorf("gRPC with %s: %s (%v), want Unauthenticated", name, code, err)
		}
	}

	good := []workload{
		{Protocol: "http", Service: "checkout-api", Prefix: "ok-http", Spans: 10, Points: 4, Logs: 6, Headers: receiverAuth},
		{Protocol: "grpc", Service: "billing-worker", Prefix: "ok-grpc", Spans: 12, Points: 6, Logs: 5, Headers: receiverAuth},
	}
	want := sendAll(t, c, good...)
	waitDelivered(t, ingest, 30*time.Second, want)
	c.stop(t)
	checkDeliveredExactly(t, ingest, want)
	for name := range ingest.DeliveredNames(tracesPath) {
		if bytes.HasPrefix([]byte(name), []byte("denied")) {
			t.Errorf("refused span %q reached the ingest", name)
		}
	}
	t.Logf("FIGURES receiver-auth: refused requests 6 (HTTP 3, gRPC 3), items delivered %d/%d/%d (spans/points/logs), unauthenticated items forwarded 0",
		ingest.Delivered(tracesPath), ingest.Delivered(metricsPath), ingest.Delivered(logsPath))
}

// TestReceiverTLS: the documented TLS block (commented in configs/gateway.yaml) turns both
// receivers into TLS listeners; the token is still required.
func TestReceiverTLS(t *testing.T) {
	certFile, keyFile, pool := selfSignedCert(t)
	tlsBlock := fmt.Sprintf("{cert_file: %q, key_file: %q}", certFile, keyFile)
	extra := fmt.Sprintf(`
receivers:
  otlp:
    protocols:
      grpc: {tls: %[1]s}
      http: {tls: %[1]s}
`, tlsBlock)
	ingest := ingesttest.New(t, nil)
	run := newShippedRun(t, "gateway.yaml", ingest.URL(), "", extra)
	c := run.start(t)

	httpsClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	post := func(headers map[string]string, prefix string) (int, error) {
		req, _ := http.NewRequest(http.MethodPost, "https://"+c.httpAddr+"/v1/traces", bytes.NewReader(tracesProto(t, "tls-svc", prefix, 3)))
		req.Header.Set("Content-Type", "application/x-protobuf")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := httpsClient.Do(req)
		if err != nil {
			return 0, err
		}
		_ = resp.Body.Close() // a test request: only its status and body matter
		return resp.StatusCode, nil
	}
	if status, err := post(receiverAuth, "tls-ok"); err != nil || status != http.StatusOK {
		t.Errorf("HTTPS with token: %d, %v; want 200", status, err)
	}
	if status, err := post(nil, "tls-denied"); err != nil || status != http.StatusUnauthorized {
		t.Errorf("HTTPS without token: %d, %v; want 401", status, err)
	}
	// Plain HTTP to the TLS port is not served.
	if resp, err := (&http.Client{Timeout: 5 * time.Second}).Post("http://"+c.httpAddr+"/v1/traces", "application/x-protobuf",
		bytes.NewReader(tracesProto(t, "tls-svc", "plain", 3))); err == nil {
		_ = resp.Body.Close() // a test request: only its status and body matter
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP to the TLS receiver was accepted")
		}
	}

	conn, err := grpc.NewClient(c.grpcAddr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool})))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }() // a test connection: its close error changes nothing
	ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+testReceiverToken)
	if _, err := ptraceotlp.NewGRPCClient(conn).Export(ctx, tracesRequest("tls-svc", "tls-grpc", 4)); err != nil {
		t.Errorf("gRPC over TLS with token: %v", err)
	}

	waitFor(t, 20*time.Second, "7 spans", func() bool { return ingest.Delivered(tracesPath) >= 7 })
	c.stop(t)
	if got := ingest.Delivered(tracesPath); got != 7 {
		t.Errorf("delivered %d spans, want 7 (3 over HTTPS, 4 over gRPC/TLS)", got)
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key, and returns a pool that
// trusts it.
func selfSignedCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "otelcol-obtrace e2e"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
