package semanticfindingsextension

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
)

// Config is the configuration of the semanticfindings extension. Every key has
// a default (createDefaultConfig in factory.go, the table in README.md).
type Config struct {
	// Server is the HTTP server of the page (endpoint, TLS, auth, ...: the keys
	// of confighttp). The default endpoint is loopback only: the page names
	// every service and metric that reached the collector. (A named field: an
	// embedded ServerConfig would promote its Unmarshal over this struct's keys.)
	Server confighttp.ServerConfig `mapstructure:",squash"`

	// MaxEntries bounds the (service.name, metric, unit, rule) rows kept. When
	// the store is full the tenth of the rows seen least recently is evicted.
	MaxEntries int `mapstructure:"max_entries"`

	// MaxBytes is the byte budget of those rows (estimated: their strings plus
	// a fixed overhead per row); past it, rows are evicted as above.
	MaxBytes int `mapstructure:"max_bytes"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration when the collector starts.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Server.NetAddr.Endpoint == "" {
		errs = append(errs, fmt.Errorf("`endpoint`: must not be empty; set host:port (default %s)", defaultEndpoint))
	}
	if cfg.MaxEntries < 1 || cfg.MaxEntries > maxEntriesCeiling {
		errs = append(errs, fmt.Errorf("`max_entries`: %d is out of range; set 1 to %d (default %d)",
			cfg.MaxEntries, maxEntriesCeiling, defaultMaxEntries))
	}
	if cfg.MaxBytes < minMaxBytes || cfg.MaxBytes > maxBytesCeiling {
		errs = append(errs, fmt.Errorf("`max_bytes`: %d is out of range; set %d to %d (default %d)",
			cfg.MaxBytes, minMaxBytes, maxBytesCeiling, defaultMaxBytes))
	}
	return errors.Join(errs...)
}
