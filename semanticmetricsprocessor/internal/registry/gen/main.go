// Command gen writes zz_generated_table.go of package registry from a
// semantic-conventions snapshot. Run it with go generate in the registry
// package; the snapshot path is -semconv, overridden by $SEMCONV_DIR.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/registry/internal/gen"
)

func main() {
	dir := flag.String("semconv", "../../../../shared/semconv/v1.44.0", "semantic-conventions snapshot (holds model/ and schemas/); $SEMCONV_DIR wins")
	out := flag.String("out", "zz_generated_table.go", "output file")
	flag.Parse()
	if env := os.Getenv("SEMCONV_DIR"); env != "" {
		*dir = env
	}
	if err := run(*dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	res, err := gen.Load(dir)
	if err != nil {
		return err
	}
	src, err := gen.Render(res)
	if err != nil {
		return err
	}
	defs, active, dep, legacy := res.Counts()
	fmt.Fprintf(os.Stderr, "gen: semconv %s: %d definitions (%d active, %d deprecated), %d legacy-only names -> %s\n",
		res.Version, defs, active, dep, legacy, out)
	return os.WriteFile(out, src, 0o644)
}
