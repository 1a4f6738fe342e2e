package semanticmetricsprocessor

import (
	"os"
	"testing"
)

func readme(t *testing.T) string {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	return string(b)
}
