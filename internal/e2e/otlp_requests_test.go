package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// tracesRequest builds an OTLP traces export request of n spans named <prefix>-span-<i>.
func tracesRequest(service, prefix string, n int) ptraceotlp.ExportRequest {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	now := time.Now()
	for i := range n {
		s := spans.AppendEmpty()
		s.SetName(fmt.Sprintf("%s-span-%d", prefix, i))
		s.SetTraceID(pcommon.TraceID([16]byte{1, byte(i >> 8), byte(i), 3}))
		s.SetSpanID(pcommon.SpanID([8]byte{2, byte(i >> 8), byte(i)}))
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(now))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(time.Millisecond)))
	}
	return ptraceotlp.NewExportRequestFromTraces(td)
}

func tracesProto(t *testing.T, service, prefix string, n int) []byte {
	t.Helper()
	body, err := tracesRequest(service, prefix, n).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// postOTLP posts body to the collector's OTLP/HTTP receiver and returns the status, the
// response body and the Retry-After header.
func postOTLP(t *testing.T, c *collector, path, contentType string, body []byte, headers map[string]string) (int, string, string) {
	t.Helper()
	status, text, retryAfter, err := sendOTLP(context.Background(), c, path, contentType, body, headers)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return status, text, retryAfter
}

// sendOTLP is postOTLP for callers that expect the collector to go away (it
// returns the error) or that run off the test goroutine.
func sendOTLP(ctx context.Context, c *collector, path, contentType string, body []byte, headers map[string]string) (status int, text, retryAfter string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+c.httpAddr+path, bytes.NewReader(body))
	if err != nil {
		return 0, "", "", err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer func() { _ = resp.Body.Close() }() // a test request: only its status and body matter
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(answer), resp.Header.Get("Retry-After"), nil
}

// exportGRPC sends one traces request over OTLP/gRPC with the given metadata.
func exportGRPC(t *testing.T, c *collector, req ptraceotlp.ExportRequest, md map[string]string) error {
	t.Helper()
	conn, err := grpc.NewClient(c.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }() // a test connection: its close error changes nothing
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx = metadata.NewOutgoingContext(ctx, metadata.New(md))
	_, err = ptraceotlp.NewGRPCClient(conn).Export(ctx, req)
	return err
}

func grpcCode(err error) string {
	return status.Code(err).String()
}
