package obtraceexporter

import (
	"fmt"
	"net/http"
	"net/url"
)

// Redirects from ingest are never followed: see doc.go.

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
