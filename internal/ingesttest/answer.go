package ingesttest

import "net/http"

// Answer is what the ingest replies to one request.
type Answer struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// RetryAfter is the Retry-After header, if not empty.
	RetryAfter string
	// ContentType is the Content-Type header; a 200 defaults to application/x-protobuf.
	ContentType string
	// Body is the response body; a 200 without one is an empty export response.
	Body []byte
}

// Responder chooses the answer to a decoded request.
type Responder func(Request) Answer

// OK accepts everything.
func OK(Request) Answer { return Answer{Status: http.StatusOK} }

// Status answers every request with status.
func Status(status int) Responder {
	return func(Request) Answer { return Answer{Status: status} }
}

func (a Answer) write(w http.ResponseWriter) {
	if a.RetryAfter != "" {
		w.Header().Set("Retry-After", a.RetryAfter)
	}
	if a.ContentType != "" {
		w.Header().Set("Content-Type", a.ContentType)
	}
	if a.Status == http.StatusOK && a.ContentType == "" {
		WriteOK(w)
		_, _ = w.Write(a.Body)
		return
	}
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}

// WriteOK answers like an OTLP/HTTP server that accepted everything: 200,
// protobuf, and an empty body, which is an empty Export*ServiceResponse.
func WriteOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}
