package semanticmetricsprocessor

import (
	"os"
	"testing"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/ucum"
)

// requireUCUM skips tests that need the UCUM subset while internal/ucum is a stub.
func requireUCUM(t testing.TB) {
	t.Helper()
	if _, err := ucum.Parse("ms"); err != nil {
		t.Skip("internal/ucum not implemented yet: " + err.Error())
	}
	if _, ok := ucum.FromWord("switches"); !ok {
		t.Skip("internal/ucum FromWord not implemented yet")
	}
}

func readme(t *testing.T) string {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	return string(b)
}
