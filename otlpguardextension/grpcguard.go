package otlpguardextension

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
)

// pdataRequestPackage holds the request types the OTLP gRPC services decode into.
const pdataRequestPackage = "go.opentelemetry.io/collector/pdata/internal"

// requestKinds maps those types' names (the OTLP message names) to what the scanner reads.
var requestKinds = map[string]messageKind{
	"ExportTraceServiceRequest":    kindTracesRequest,
	"ExportMetricsServiceRequest":  kindMetricsRequest,
	"ExportLogsServiceRequest":     kindLogsRequest,
	"ExportProfilesServiceRequest": kindProfilesRequest,
}

// GetGRPCServerOptions returns, for a receiver that lists otlpguard under
// protocols.grpc.middlewares:
//   - a tap handle that asks the authenticator before the stream's message is read (gRPC
//     decodes a unary request before any interceptor runs, so the receiver's own auth comes
//     too late to save the decoding),
//   - a codec, forced for this server only, that scans OTLP requests before pdata decodes them,
//   - a unary interceptor that answers InvalidArgument for what the codec refused (a codec
//     error would reach the client as Internal), installed as the first interceptor,
//   - a stats handler that counts messages gRPC refused as larger than max_recv_msg_size_mib.
//
// The tap handle and the single unary interceptor can be set once per server: no other
// middleware of the same receiver may set them.
func (g *guard) GetGRPCServerOptions(context.Context) ([]grpc.ServerOption, error) {
	proto := encoding.GetCodecV2("proto")
	if proto == nil {
		return nil, errors.New("otlpguard: no gRPC proto codec is registered")
	}
	opts := []grpc.ServerOption{
		grpc.ForceServerCodecV2(guardCodec{guard: g, delegate: proto}),
		grpc.UnaryInterceptor(g.interceptRefused),
		grpc.StatsHandler(sizeRefusals{guard: g}),
	}
	if g.authenticator != nil {
		opts = append(opts, grpc.InTapHandle(g.tapAuthenticate))
	}
	return opts, nil
}

// tapAuthenticate refuses a stream whose metadata the authenticator refuses, before its
// message is read. The client gets a fixed message: an authenticator's error is not repeated.
func (g *guard) tapAuthenticate(ctx context.Context, info *tap.Info) (context.Context, error) {
	if _, err := g.authenticator.Authenticate(ctx, info.Header); err != nil {
		g.countRefusal(ctx, transportGRPC, reasonUnauthenticated)
		return nil, status.Error(codes.Unauthenticated, "otlpguard: unauthenticated: the request's credentials were refused")
	}
	return ctx, nil
}

// guardCodec scans OTLP requests before handing them to the proto codec (pdata's). A refused
// request is left empty and recorded in refusedGRPC for interceptRefused.
type guardCodec struct {
	guard    *guard
	delegate encoding.CodecV2
}

func (c guardCodec) Name() string { return c.delegate.Name() }

func (c guardCodec) Marshal(v any) (mem.BufferSlice, error) { return c.delegate.Marshal(v) }

func (c guardCodec) Unmarshal(data mem.BufferSlice, v any) error {
	root, ok := requestKind(v)
	if !ok {
		return c.delegate.Unmarshal(data, v)
	}
	// One contiguous copy, which the delegate reuses (a single buffer is not copied again).
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	if refused := c.guard.checkProtobuf(buf.ReadOnlyData(), root); refused != nil {
		c.guard.refusedGRPC.put(v, refused)
		return nil
	}
	return c.delegate.Unmarshal(mem.BufferSlice{buf}, v)
}

// requestKind tells which OTLP request v is.
func requestKind(v any) (messageKind, bool) {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().PkgPath() != pdataRequestPackage {
		return 0, false
	}
	kind, ok := requestKinds[t.Elem().Name()]
	return kind, ok
}

// interceptRefused answers InvalidArgument, with the codec's message, for a request the codec
// refused; the handler (and so the pipeline) never sees it.
func (g *guard) interceptRefused(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if refused, ok := g.refusedGRPC.take(req); ok {
		g.countRefusal(ctx, transportGRPC, refused.reason)
		return nil, status.Error(codes.InvalidArgument, refused.message)
	}
	return handler(ctx, req)
}

// refusedRequests carries the codec's verdict to the interceptor, keyed by the request
// pointer gRPC passes to both. An entry lives from decode to the first interceptor.
type refusedRequests struct{ byRequest sync.Map }

func (r *refusedRequests) put(req any, refused *refusal) { r.byRequest.Store(req, refused) }

func (r *refusedRequests) take(req any) (*refusal, bool) {
	refused, ok := r.byRequest.LoadAndDelete(req)
	if !ok {
		return nil, false
	}
	return refused.(*refusal), true
}

// sizeRefusals counts the messages gRPC itself refuses for exceeding max_recv_msg_size_mib
// (compressed or decompressed), which never reach the codec.
type sizeRefusals struct{ guard *guard }

func (sizeRefusals) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }

func (sizeRefusals) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

func (sizeRefusals) HandleConn(context.Context, stats.ConnStats) {}

func (s sizeRefusals) HandleRPC(ctx context.Context, rs stats.RPCStats) {
	end, ok := rs.(*stats.End)
	if !ok || end.Error == nil {
		return
	}
	if st, _ := status.FromError(end.Error); st.Code() == codes.ResourceExhausted && strings.Contains(st.Message(), "larger than max") {
		s.guard.countRefusal(ctx, transportGRPC, reasonTooLarge)
	}
}
