package otlpguardextension

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"

	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

const (
	contentTypeProtobuf = "application/x-protobuf"
	contentTypeJSON     = "application/json"
)

// signalOfPath maps the last segment of an OTLP/HTTP path to its request message; the
// receiver's default paths (and any custom ones ending the same way) are /v1/traces,
// /v1/metrics, /v1/logs and /v1development/profiles.
var signalOfPath = map[string]messageKind{
	"traces":   kindTracesRequest,
	"metrics":  kindMetricsRequest,
	"logs":     kindLogsRequest,
	"profiles": kindProfilesRequest,
}

// GetHTTPHandler wraps the receiver's handler. confighttp (v0.160.0) runs middlewares after
// authentication, after the body has been decompressed, and with the decompressed body already
// limited to the receiver's max_request_body_size, so the body read here is bounded by it.
func (g *guard) GetHTTPHandler(context.Context) (extensionmiddleware.WrapHTTPHandlerFunc, error) {
	return func(_ context.Context, next http.Handler) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			g.serveHTTP(next, w, r)
		}), nil
	}, nil
}

// serveHTTP reads an OTLP POST body, scans it and hands it on, or answers 400 with an OTLP
// Status (in the request's encoding) naming the bound. Other requests pass untouched: the
// receiver answers them without decoding anything (405, 404, 415).
func (g *guard) serveHTTP(next http.Handler, w http.ResponseWriter, r *http.Request) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Method != http.MethodPost || (mediaType != contentTypeProtobuf && mediaType != contentTypeJSON) {
		next.ServeHTTP(w, r)
		return
	}
	root, knownPath := signalOfPath[path.Base(r.URL.Path)]
	if mediaType == contentTypeProtobuf && !knownPath {
		// Without its signal a protobuf body cannot be scanned: refuse it rather than let a
		// receiver with custom url paths decode it unchecked.
		g.refuseHTTP(w, r, mediaType, &refusal{reason: reasonMalformed,
			message: "otlpguard: refused: the path does not end in traces, metrics, logs or profiles, so the body cannot be checked"})
		return
	}
	body, refused, err := g.readBody(r.Body, mediaType)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		refused = &refusal{reason: reasonTooLarge,
			message: "otlpguard: refused: the (decompressed) body is larger than max_request_body_size " + strconv.FormatInt(tooLarge.Limit, 10)}
	case err != nil:
		refused = &refusal{reason: reasonMalformed, message: "otlpguard: refused: the body could not be read: " + err.Error()}
	case refused == nil && mediaType == contentTypeProtobuf:
		refused = g.checkProtobuf(body, root)
	}
	if refused != nil {
		g.refuseHTTP(w, r, mediaType, refused)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	next.ServeHTTP(w, r)
}

// jsonReadChunk is how much of a JSON body is read between two scans.
const jsonReadChunk = 32 << 10

// readBody reads the whole body. A JSON body is scanned as it is read, so a deep document is
// refused after its first levels rather than after 20 MiB; a protobuf one is scanned whole
// afterwards (its scanner needs the lengths ahead).
func (g *guard) readBody(body io.Reader, mediaType string) ([]byte, *refusal, error) {
	if mediaType != contentTypeJSON {
		all, err := io.ReadAll(body)
		return all, nil, err
	}
	scanner := newJSONScanner(g.cfg.MaxValueDepth)
	var all []byte
	for {
		all = slices.Grow(all, jsonReadChunk)
		n, err := body.Read(all[len(all):cap(all)])
		if scanErr := scanner.write(all[len(all) : len(all)+n]); scanErr != nil {
			return nil, refusalOf(scanErr, "JSON"), nil
		}
		all = all[:len(all)+n]
		if errors.Is(err, io.EOF) {
			return all, refusalOf(scanner.finish(), "JSON"), nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
}

// refuseHTTP counts the refusal and answers 400 with a google.rpc.Status, as the OTLP/HTTP
// receiver does for a body it cannot decode.
func (g *guard) refuseHTTP(w http.ResponseWriter, r *http.Request, mediaType string, refused *refusal) {
	g.countRefusal(r.Context(), transportHTTP, refused.reason)
	st := status.New(codes.InvalidArgument, refused.message).Proto()
	var encoded []byte
	if mediaType == contentTypeJSON {
		encoded, _ = protojson.Marshal(st)
	} else {
		encoded, _ = proto.Marshal(st)
	}
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(encoded)
}
