package semanticfindingsextension

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.uber.org/zap"
)

// StoreProvider is what the semanticmetrics processor looks for among the
// host's extensions (the one its `findings` key names) at start.
type StoreProvider interface {
	FindingsStore() *Store
}

// findingsServer is the extension: the store, and the HTTP server of the page.
type findingsServer struct {
	cfg    *Config
	set    extension.Settings
	store  *Store
	server *http.Server
	wg     sync.WaitGroup
}

var (
	_ extension.Extension = (*findingsServer)(nil)
	_ StoreProvider       = (*findingsServer)(nil)
)

func newFindingsServer(cfg *Config, set extension.Settings) *findingsServer {
	return &findingsServer{cfg: cfg, set: set, store: NewStore(cfg.MaxEntries, cfg.MaxBytes)}
}

// FindingsStore returns the store the processor records into.
func (s *findingsServer) FindingsStore() *Store { return s.store }

func (s *findingsServer) Start(ctx context.Context, host component.Host) error {
	ln, err := s.cfg.Server.ToListener(ctx)
	if err != nil {
		return err
	}
	s.server, err = s.cfg.Server.ToServer(ctx, host.GetExtensions(), s.set.TelemetrySettings, newPage(s.store))
	if err != nil {
		_ = ln.Close()
		return err
	}
	s.set.Logger.Info("semantic findings page", zap.String("endpoint", ln.Addr().String()), zap.String("path", pagePath))
	s.wg.Go(func() {
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.set.Logger.Error("semantic findings page stopped", zap.Error(err))
		}
	})
	return nil
}

func (s *findingsServer) Shutdown(ctx context.Context) error {
	if s.server == nil {
		return nil
	}
	err := s.server.Shutdown(ctx)
	s.wg.Wait()
	return err
}
