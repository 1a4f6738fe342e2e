//go:build !unix

package deadletter // import "github.com/obtraceai/otelcol-obtrace/obtraceexporter/internal/deadletter"

import "os"

// flock is not available here; only stores in this process are excluded.
func flock(*os.File) error { return nil }
