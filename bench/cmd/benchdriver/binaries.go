package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// ensureBinaries builds the stock collector and ours when they are missing
// (the stock one also when older than its manifest).
func ensureBinaries(ctx context.Context, o options) error {
	if need, why := stale(o.stock, o.manifest); need {
		if !o.build {
			return fmt.Errorf("stock collector %s: %s (run without -build=false)", o.stock, why)
		}
		logf("building the stock collector (%s) from %s", why, o.manifest)
		if err := buildStock(ctx, o); err != nil {
			return err
		}
	}
	if _, err := os.Stat(o.ours); err != nil {
		if !o.build {
			return fmt.Errorf("otelcol-obtrace binary %s: %w", o.ours, err)
		}
		logf("building otelcol-obtrace into %s", o.ours)
		abs, err := filepath.Abs(o.ours)
		if err != nil {
			return err
		}
		if err := goBuild(ctx, o.distDir, abs); err != nil {
			return err
		}
	}
	return nil
}

// stale reports whether bin must be built: missing, or older than manifest.
func stale(bin, manifest string) (bool, string) {
	bi, err := os.Stat(bin)
	if err != nil {
		return true, "missing"
	}
	if mi, err := os.Stat(manifest); err == nil && mi.ModTime().After(bi.ModTime()) {
		return true, "older than the manifest"
	}
	return false, ""
}

func buildStock(ctx context.Context, o options) error {
	cmd := exec.CommandContext(ctx, o.builder, "--config", o.manifest, "--skip-compilation")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ocb: %w", err)
	}
	abs, err := filepath.Abs(o.stock)
	if err != nil {
		return err
	}
	// output_path of the manifest is .build/stock; the binary is compiled
	// exactly as otelcol-obtrace is (see the Makefile).
	return goBuild(ctx, filepath.Join(".build", "stock"), abs)
}

func goBuild(ctx context.Context, dir, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build in %s: %w", dir, err)
	}
	return nil
}
