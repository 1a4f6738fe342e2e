package otlpguardextension

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
)

const (
	// maxValueDepthCeiling keeps a configured max_value_depth far below what overflows a
	// decoder's stack (pdata recurses once per level).
	maxValueDepthCeiling = 1024
	// minTokensPollInterval keeps the token file's polling from spinning.
	minTokensPollInterval = 100 * time.Millisecond
)

// Config is the configuration of the otlpguard extension. Every key has a default (see
// createDefaultConfig in factory.go and the table in README.md); with none set the extension
// guards depth only.
type Config struct {
	// MaxValueDepth is the deepest AnyValue nesting accepted: each array_value or kvlist_value
	// is one level, a scalar value none. Deeper requests are refused before pdata decodes them.
	MaxValueDepth int `mapstructure:"max_value_depth"`

	// Authenticator is the server authenticator extension (e.g. bearertokenauth/receivers)
	// that otlpguard asks before a gRPC message is read, and that it delegates to when a
	// receiver names otlpguard as its `auth.authenticator`. Mutually exclusive with TokensFile.
	Authenticator *component.ID `mapstructure:"authenticator"`

	// TokensFile, when set, makes this extension the authenticator: it accepts
	// "Authorization: Bearer <token>" for the tokens in this file (one per line, the first
	// word of a line; the rest of the line is ignored, e.g. a tenant name).
	TokensFile string `mapstructure:"tokens_file"`

	// TokensPollInterval is how often tokens_file is checked for changes (size, mtime, inode,
	// then content hash), so that deletions, renames, rewrites and symlink swaps take effect.
	TokensPollInterval time.Duration `mapstructure:"tokens_poll_interval"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration when the collector starts.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.MaxValueDepth < 1 || cfg.MaxValueDepth > maxValueDepthCeiling {
		errs = append(errs, fmt.Errorf("`max_value_depth`: %d is out of range; set 1 to %d (default %d)",
			cfg.MaxValueDepth, maxValueDepthCeiling, defaultMaxValueDepth))
	}
	if cfg.Authenticator != nil && cfg.TokensFile != "" {
		errs = append(errs, errors.New("`authenticator` and `tokens_file` are both set; set one: "+
			"tokens_file makes this extension the authenticator"))
	}
	if cfg.TokensFile != "" && cfg.TokensPollInterval < minTokensPollInterval {
		errs = append(errs, fmt.Errorf("`tokens_poll_interval`: %s is too short; set at least %s (default %s)",
			cfg.TokensPollInterval, minTokensPollInterval, defaultTokensPollInterval))
	}
	return errors.Join(errs...)
}
