package obtraceexporter // import "github.com/obtraceai/otelcol-obtrace/obtraceexporter"

import (
	"fmt"
	"net/http"
	"net/url"
)

// Redirects from ingest are never followed.
//
// Every request carries an API key (api_key through confighttp's header round
// tripper, a tenant's key through the response observer), set on each hop below
// the http.Client, so Go's rule of dropping Authorization on a cross-host
// redirect never sees it: following a 307/308 would send the key wherever the
// Location points, plain http:// and other hosts included. Ingest has no reason
// to redirect; a redirect means `endpoint` is wrong. So any 3xx is an error
// naming the status and the Location's host (never the key), permanent for the
// batch like any other refusal.
//
// The start-up check builds its own client and refuses with CheckRedirect. The
// export client is built inside otlphttpexporter by confighttp.ToClient, which
// has no redirect setting; the one hook into it is the response observer
// (observer.go). It removes the Location header of every 3xx response, and
// net/http hands a 3xx without Location back to the caller instead of following
// it; otlphttpexporter then reports a non-retryable status.

// maxLocationBytes bounds the Location header the exporter parses to name the
// redirect's host; a longer one is reported as such.
const maxLocationBytes = 2048

// isRedirect reports whether status is a 3xx.
func isRedirect(status int) bool { return status >= 300 && status <= 399 }

// refuseRedirect is the CheckRedirect of the exporter's own HTTP clients: the
// 3xx response is returned to the caller, nothing is sent to its Location.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// redirectHost names the host a 3xx response points to (Location resolved
// against the request URL), for messages.
func redirectHost(requestURL *url.URL, location string) string {
	switch {
	case location == "":
		return "(no Location header)"
	case len(location) > maxLocationBytes:
		return "(Location header too long)"
	}
	target, err := url.Parse(location)
	if err == nil && requestURL != nil {
		target = requestURL.ResolveReference(target)
	}
	if err != nil || target.Host == "" {
		return "(unparsable Location header)"
	}
	return fmt.Sprintf("%q", target.Host)
}

// redirectError is the error of a request ingest answered with a redirect.
func redirectError(status int, host string) error {
	return fmt.Errorf("`endpoint`: Obtrace ingest answered HTTP %d, a redirect to host %s, which the exporter does not follow "+
		"(the API key would go along); set endpoint (or traces_endpoint, metrics_endpoint, logs_endpoint) to the URL ingest answers on", status, host)
}
