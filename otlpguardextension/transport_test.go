package otlpguardextension

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configmiddleware"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/pprofile/pprofileotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/obtraceai/otelcol-obtrace/internal/loopback"
	"github.com/obtraceai/otelcol-obtrace/otlpguardextension/deepotlp"
)

var guardID = component.MustNewIDWithName("otlpguard", "tenants")

// guardHost starts an otlpguard with a tokens file holding tokenA and returns the host the
// receivers' configs resolve it from.
type guardHost struct {
	telemetry *componenttest.Telemetry
	guard     *guard
}

func (h guardHost) GetExtensions() map[component.ID]component.Component {
	return map[component.ID]component.Component{guardID: h.guard}
}

func startGuard(t *testing.T) guardHost {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens")
	require.NoError(t, os.WriteFile(path, []byte(tokenA+" tenant-a\n"), 0o600))
	cfg := createDefaultConfig().(*Config)
	cfg.TokensFile = path
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := extension.Settings{ID: guardID, TelemetrySettings: tel.NewTelemetrySettings()}
	g, err := newGuard(cfg, set)
	require.NoError(t, err)
	host := guardHost{telemetry: tel, guard: g}
	require.NoError(t, g.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, g.Shutdown(context.Background())) })
	return host
}

// refusals reads otelcol_otlpguard_refused_requests by (transport, reason).
func (h guardHost) refusals(t *testing.T) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	m, err := h.telemetry.GetMetric("otelcol_otlpguard_refused_requests")
	if err != nil {
		return got
	}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		transport, _ := dp.Attributes.Value(attribute.Key("transport"))
		reason, _ := dp.Attributes.Value(attribute.Key("reason"))
		got[transport.AsString()+"/"+reason.AsString()] = dp.Value
	}
	return got
}

// tracesSink is the receiver side: it decodes with pdata and counts what arrives.
type tracesSink struct {
	ptraceotlp.UnimplementedGRPCServer
	received atomic.Int64
}

func (s *tracesSink) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	s.received.Add(int64(req.Traces().SpanCount()))
	return ptraceotlp.NewExportResponse(), nil
}

func (s *tracesSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := ptraceotlp.NewExportRequest()
	if strings.HasPrefix(r.Header.Get("Content-Type"), contentTypeJSON) {
		err = req.UnmarshalJSON(body)
	} else {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.received.Add(int64(req.Traces().SpanCount()))
}

func gzipped(t *testing.T, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(body)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// httpReceiver serves sink through confighttp as the OTLP receiver does: auth by the guard,
// the guard as middleware, a 20 MiB body limit.
func httpReceiver(t *testing.T, host guardHost, sink http.Handler) *httptest.Server {
	t.Helper()
	cfg := confighttp.NewDefaultServerConfig()
	cfg.Auth = configoptional.Some(confighttp.AuthConfig{Config: configauth.Config{AuthenticatorID: guardID}})
	cfg.Middlewares = []configmiddleware.Config{{ID: guardID}}
	cfg.MaxRequestBodySize = 20 << 20
	srv, err := cfg.ToServer(context.Background(), host.GetExtensions(), componenttest.NewNopTelemetrySettings(), sink)
	require.NoError(t, err)
	server := httptest.NewServer(srv.Handler)
	t.Cleanup(server.Close)
	return server
}

func post(t *testing.T, url, contentType string, body []byte, token string) (int, *spb.Status) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { assert.NoError(t, resp.Body.Close()) }()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	st := &spb.Status{}
	if resp.StatusCode == http.StatusBadRequest && contentType == contentTypeProtobuf {
		require.NoError(t, proto.Unmarshal(answer, st), "a google.rpc.Status")
	} else {
		st.Message = string(answer)
	}
	return resp.StatusCode, st
}

func TestHTTPRefusesDeepBodiesBeforeDecoding(t *testing.T) {
	host := startGuard(t)
	sink := &tracesSink{}
	server := httpReceiver(t, host, sink)

	code, st := post(t, server.URL+"/v1/traces", contentTypeProtobuf, gzipped(t, deepotlp.TracesProtobuf("svc", 2_000_000, deepotlp.Array)), tokenA)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, int32(codes.InvalidArgument), st.Code)
	assert.Contains(t, st.Message, "max_value_depth 64")

	code, st = post(t, server.URL+"/v1/traces", contentTypeJSON, gzipped(t, deepotlp.TracesJSON("svc", 700_000, deepotlp.Array)), tokenA)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, st.Message, "max_value_depth 64")

	code, _ = post(t, server.URL+"/v1/traces", contentTypeProtobuf, gzipped(t, deepotlp.TracesProtobuf("svc", 3, deepotlp.Array)[:40]), tokenA)
	assert.Equal(t, http.StatusBadRequest, code, "truncated")

	code, st = post(t, server.URL+"/v1/traces", contentTypeProtobuf, gzipped(t, make([]byte, 21<<20)), tokenA)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, st.Message, "larger than max_request_body_size")

	code, _ = post(t, server.URL+"/v1/traces", contentTypeProtobuf, gzipped(t, deepotlp.TracesProtobuf("svc", 5, deepotlp.Array)), tokenB)
	assert.Equal(t, http.StatusUnauthorized, code)

	assert.Zero(t, sink.received.Load(), "nothing refused reached the receiver")
	for _, n := range []deepotlp.Nesting{deepotlp.Array, deepotlp.KVList} {
		code, st = post(t, server.URL+"/v1/traces", contentTypeProtobuf, gzipped(t, deepotlp.TracesProtobuf("svc", 64, n)), tokenA)
		require.Equal(t, http.StatusOK, code, st.Message)
		code, st = post(t, server.URL+"/v1/traces", contentTypeJSON, gzipped(t, deepotlp.TracesJSON("svc", 64, n)), tokenA)
		require.Equal(t, http.StatusOK, code, st.Message)
	}
	assert.Equal(t, int64(4), sink.received.Load())
	assert.Equal(t, map[string]int64{
		"http/depth": 2, "http/malformed": 1, "http/too_large": 1, "http/unauthenticated": 1,
	}, host.refusals(t))
}

// grpcReceiver serves sink (and every other signal, accepting) through configgrpc as the OTLP
// receiver does.
func grpcReceiver(t *testing.T, host guardHost, sink *tracesSink) *grpc.ClientConn {
	t.Helper()
	ports, err := loopback.FreePorts(1)
	require.NoError(t, err)
	cfg := configgrpc.NewDefaultServerConfig()
	cfg.NetAddr = confignet.AddrConfig{Endpoint: fmt.Sprintf("127.0.0.1:%d", ports[0]), Transport: confignet.TransportTypeTCP}
	cfg.Auth = configoptional.Some(configauth.Config{AuthenticatorID: guardID})
	cfg.Middlewares = []configmiddleware.Config{{ID: guardID}}
	cfg.MaxRecvMsgSizeMiB = 16
	srv, err := cfg.ToServer(context.Background(), host.GetExtensions(), componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	ptraceotlp.RegisterGRPCServer(srv, sink)
	pmetricotlp.RegisterGRPCServer(srv, &acceptMetrics{})
	plogotlp.RegisterGRPCServer(srv, &acceptLogs{})
	pprofileotlp.RegisterGRPCServer(srv, &acceptProfiles{})
	listener, err := net.Listen("tcp", cfg.NetAddr.Endpoint)
	require.NoError(t, err)
	go func() { _ = srv.Serve(listener) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(cfg.NetAddr.Endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

type acceptMetrics struct {
	pmetricotlp.UnimplementedGRPCServer
}

func (acceptMetrics) Export(context.Context, pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	return pmetricotlp.NewExportResponse(), nil
}

type acceptLogs struct {
	plogotlp.UnimplementedGRPCServer
}

func (acceptLogs) Export(context.Context, plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	return plogotlp.NewExportResponse(), nil
}

type acceptProfiles struct {
	pprofileotlp.UnimplementedGRPCServer
}

func (acceptProfiles) Export(context.Context, pprofileotlp.ExportRequest) (pprofileotlp.ExportResponse, error) {
	return pprofileotlp.NewExportResponse(), nil
}

// The codec knows every signal's request type: a deep value is refused on each service.
func TestGRPCRefusesDeepValuesOfEverySignal(t *testing.T) {
	host := startGuard(t)
	conn := grpcReceiver(t, host, &tracesSink{})
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tokenA)
	for _, pr := range placedRequests {
		t.Run(pr.name, func(t *testing.T) {
			for depth, want := range map[int]codes.Code{64: codes.OK, 65: codes.InvalidArgument} {
				body := pr.build(t, depth)
				var err error
				switch pr.root {
				case kindTracesRequest:
					req := ptraceotlp.NewExportRequest()
					require.NoError(t, req.UnmarshalProto(body))
					_, err = ptraceotlp.NewGRPCClient(conn).Export(ctx, req)
				case kindMetricsRequest:
					req := pmetricotlp.NewExportRequest()
					require.NoError(t, req.UnmarshalProto(body))
					_, err = pmetricotlp.NewGRPCClient(conn).Export(ctx, req)
				case kindLogsRequest:
					req := plogotlp.NewExportRequest()
					require.NoError(t, req.UnmarshalProto(body))
					_, err = plogotlp.NewGRPCClient(conn).Export(ctx, req)
				case kindProfilesRequest:
					req := pprofileotlp.NewExportRequest()
					require.NoError(t, req.UnmarshalProto(body))
					_, err = pprofileotlp.NewGRPCClient(conn).Export(ctx, req)
				}
				assert.Equal(t, want, status.Code(err), "depth %d: %v", depth, err)
			}
		})
	}
}

func exportRaw(client ptraceotlp.GRPCClient, body []byte, token string) error {
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return err
	}
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	_, err := client.Export(ctx, req)
	return err
}

func TestGRPCAuthenticatesBeforeReadingAndRefusesDeepMessages(t *testing.T) {
	host := startGuard(t)
	sink := &tracesSink{}
	client := ptraceotlp.NewGRPCClient(grpcReceiver(t, host, sink))
	// 300 levels: deep enough to refuse, shallow enough for the test's own pdata to encode.
	deep := deepotlp.TracesProtobuf("svc", 300, deepotlp.Array)

	err := exportRaw(client, deep, tokenB)
	assert.Equal(t, codes.Unauthenticated, status.Code(err), "%v", err)
	assert.Equal(t, map[string]int64{"grpc/unauthenticated": 1}, host.refusals(t),
		"refused by the tap handle: the codec never saw the deep message")

	err = exportRaw(client, deep, tokenA)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "max_value_depth 64")

	err = exportRaw(client, deepotlp.TracesProtobuf(strings.Repeat("s", 17<<20), 0, deepotlp.Array), tokenA)
	assert.Equal(t, codes.ResourceExhausted, status.Code(err), "%v", err)
	assert.Zero(t, sink.received.Load())

	require.NoError(t, exportRaw(client, deepotlp.TracesProtobuf("svc", 64, deepotlp.KVList), tokenA))
	td := ptrace.NewTraces()
	td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("plain")
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tokenA)
	_, err = client.Export(ctx, ptraceotlp.NewExportRequestFromTraces(td))
	require.NoError(t, err)
	assert.Equal(t, int64(2), sink.received.Load())
	assert.Equal(t, map[string]int64{
		"grpc/unauthenticated": 1, "grpc/depth": 1, "grpc/too_large": 1,
	}, host.refusals(t))
}

// The HTTP guard reads the signal from the path: a deep value is refused on each one, and a
// protobuf body on a path that names no signal is refused unscanned.
func TestHTTPRefusesDeepValuesOfEverySignal(t *testing.T) {
	host := startGuard(t)
	server := httpReceiver(t, host, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	paths := map[messageKind]string{
		kindTracesRequest: "/v1/traces", kindMetricsRequest: "/v1/metrics",
		kindLogsRequest: "/v1/logs", kindProfilesRequest: "/v1development/profiles",
	}
	for _, pr := range placedRequests {
		t.Run(pr.name, func(t *testing.T) {
			for depth, want := range map[int]int{64: http.StatusOK, 65: http.StatusBadRequest} {
				code, st := post(t, server.URL+paths[pr.root], contentTypeProtobuf, gzipped(t, pr.build(t, depth)), tokenA)
				assert.Equal(t, want, code, "depth %d: %s", depth, st.Message)
			}
		})
	}
	code, st := post(t, server.URL+"/v1/elsewhere", contentTypeProtobuf, gzipped(t, placedRequests[1].build(t, 1)), tokenA)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, st.Message, "does not end in traces, metrics, logs or profiles")
}
