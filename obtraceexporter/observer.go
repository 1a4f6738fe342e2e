package obtraceexporter

import (
	"bytes"
	"context"
	"io"
	"maps"
	"mime"
	"net/http"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// The response observer: see "Response observer" in doc.go.

// observerID names the private middleware extension. Its type is not one a
// user can configure, so it cannot collide with a real extension.
var observerID = component.MustNewID("obtrace_response_observer")

// maxResponseReadBytes bounds how much of a 2xx body is read to look for a
// partial-success message (the same bound the upstream exporter uses).
const maxResponseReadBytes = 64 * 1024

// exchange records what one upstream call saw on the wire. The upstream call
// is synchronous and sends at most one request at a time, so no locking is
// needed: the exporter reads it only after the call has returned.
type exchange struct {
	signal signal
	// authorization, when set (passthrough mode), is the Authorization header
	// of the request: the tenant's own key. It is the one thing the observer
	// changes in a request.
	authorization string
	// tenantKey and keyFingerprint are that key and its fingerprint, for
	// send's caller (refused) to dead-letter and log the request with.
	tenantKey, keyFingerprint string

	statusCode int    // 0 when no HTTP response was received
	retryAfter string // raw Retry-After header of the last response
	rejected   int64  // items rejected in a partial-success response
	psMessage  string // error_message of a partial-success response, as ingest wrote it

	redirectHost string // where a 3xx response pointed (see redirect.go)
}

type exchangeKey struct{}

func withExchange(ctx context.Context, ex *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, ex)
}

func exchangeFrom(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

// observingRoundTripper records status, Retry-After and partial success of
// each response into the request's exchange, and takes the Location header out
// of every redirect so that it is not followed.
type observingRoundTripper struct {
	next http.RoundTripper
}

func (o observingRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if ex := exchangeFrom(req.Context()); ex != nil && ex.authorization != "" {
		req = req.Clone(req.Context())
		req.Header.Set(headerAuthorization, ex.authorization)
	}
	resp, err := o.next.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	ex := exchangeFrom(req.Context())
	if isRedirect(resp.StatusCode) && resp.Header != nil {
		// Never followed: see redirect.go.
		if ex != nil {
			ex.redirectHost = redirectHost(req.URL, resp.Header.Get("Location"))
		}
		resp.Header.Del("Location")
	}
	if ex == nil {
		return resp, nil
	}
	ex.statusCode = resp.StatusCode
	ex.retryAfter = resp.Header.Get("Retry-After")
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 && resp.Body != nil && resp.ContentLength != 0 {
		// Read (a bounded prefix of) the body, then hand the upstream exporter
		// a body that yields exactly the same bytes. The upstream exporter
		// decodes the same prefix, so both see the same partial success.
		buf, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseReadBytes))
		resp.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(buf), resp.Body), Closer: resp.Body}
		if readErr == nil && len(buf) <= maxResponseReadBytes {
			ex.readPartialSuccess(buf, resp.Header.Get("Content-Type"))
		}
	}
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// otlpResponse is what ptraceotlp, pmetricotlp and plogotlp ExportResponses share.
type otlpResponse interface {
	UnmarshalProto([]byte) error
	UnmarshalJSON([]byte) error
}

// readPartialSuccess decodes an OTLP ExportResponse body. Bodies that do not
// decode are ignored here; the upstream exporter reports them.
func (ex *exchange) readPartialSuccess(body []byte, contentType string) {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	if len(body) == 0 || (mediaType != "application/x-protobuf" && mediaType != "application/json") {
		return
	}
	decode := func(r otlpResponse) bool {
		if mediaType == "application/json" {
			return r.UnmarshalJSON(body) == nil
		}
		return r.UnmarshalProto(body) == nil
	}
	switch ex.signal {
	case signalTraces:
		if r := ptraceotlp.NewExportResponse(); decode(&r) {
			ex.rejected, ex.psMessage = r.PartialSuccess().RejectedSpans(), r.PartialSuccess().ErrorMessage()
		}
	case signalMetrics:
		if r := pmetricotlp.NewExportResponse(); decode(&r) {
			ex.rejected, ex.psMessage = r.PartialSuccess().RejectedDataPoints(), r.PartialSuccess().ErrorMessage()
		}
	case signalLogs:
		if r := plogotlp.NewExportResponse(); decode(&r) {
			ex.rejected, ex.psMessage = r.PartialSuccess().RejectedLogRecords(), r.PartialSuccess().ErrorMessage()
		}
	}
}

// observerExtension is the private middleware extension behind observerID.
type observerExtension struct {
	component.StartFunc
	component.ShutdownFunc
}

var _ extensionmiddleware.HTTPClient = observerExtension{}

func (observerExtension) GetHTTPRoundTripper(context.Context) (extensionmiddleware.WrapHTTPRoundTripperFunc, error) {
	return func(_ context.Context, next http.RoundTripper) (http.RoundTripper, error) {
		return observingRoundTripper{next: next}, nil
	}, nil
}

// observedHost is the host handed to the upstream exporter's Start: the real
// host's extensions plus the observer.
type observedHost struct {
	component.Host
}

func (h observedHost) GetExtensions() map[component.ID]component.Component {
	exts := make(map[component.ID]component.Component)
	if h.Host != nil {
		maps.Copy(exts, h.Host.GetExtensions())
	}
	exts[observerID] = observerExtension{}
	return exts
}
