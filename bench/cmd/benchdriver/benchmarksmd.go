package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

const (
	beginMarker = "<!-- BEGIN bench figures (written by bench/cmd/benchdriver) -->"
	endMarker   = "<!-- END bench figures -->"
)

// writeReport writes the report to o.out and into the figures section of
// o.benchmarksMD (either may be empty: not written).
func writeReport(o options, rep string) error {
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(o.out, []byte(rep), 0o644); err != nil {
			return err
		}
		logf("report written to %s", o.out)
	}
	if o.benchmarksMD != "" {
		if err := replaceFigures(o.benchmarksMD, rep); err != nil {
			logf("BENCHMARKS.md not updated: %v", err)
		} else {
			logf("figures section of %s updated", o.benchmarksMD)
		}
	}
	return nil
}

// replaceFigures replaces the text between the markers of path with rep.
func replaceFigures(path, rep string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i := strings.Index(s, beginMarker)
	j := strings.Index(s, endMarker)
	if i < 0 || j < i {
		return errors.New("markers not found")
	}
	s = s[:i+len(beginMarker)] + "\n\n" + rep + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
