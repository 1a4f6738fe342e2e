package semanticmetricsprocessor

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/obtraceai/otelcol-obtrace/semanticfindingsextension"
	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/metadata"
)

// AnnotationKey is the metric metadata key (and, with annotate_attributes,
// the data-point attribute key) that lists the rule ids of a metric's
// unresolved findings, comma-joined.
const AnnotationKey = "semconv.violations"

const serviceNameKey = "service.name"

type semanticProcessor struct {
	cfg       *Config
	analyzer  *analyzer
	cache     *verdictCache
	reporter  *reporter
	telemetry *metadata.TelemetryBuilder

	started  bool
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

func newSemanticProcessor(set processor.Settings, cfg *Config) (*semanticProcessor, error) {
	a, err := newAnalyzer(cfg)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &semanticProcessor{
		cfg:       cfg,
		analyzer:  a,
		cache:     newVerdictCache(cfg.CacheSize, verdictCacheMaxBytes),
		reporter:  newReporter(set.Logger),
		telemetry: tb,
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}, nil
}

func (p *semanticProcessor) start(_ context.Context, host component.Host) error {
	if id := p.cfg.Findings; id != nil {
		ext, ok := host.GetExtensions()[*id]
		if !ok {
			return fmt.Errorf("`findings`: extension %q is not in service::extensions; add it there (and configure it under extensions)", id)
		}
		sp, ok := ext.(semanticfindingsextension.StoreProvider)
		if !ok {
			return fmt.Errorf("`findings`: extension %q is not a semanticfindings extension; name one, e.g. semanticfindings", id)
		}
		p.reporter.store = sp.FindingsStore()
	}
	if p.cfg.ReportInterval <= 0 {
		return nil
	}
	p.started = true
	go func() {
		defer close(p.done)
		t := time.NewTicker(p.cfg.ReportInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.reporter.flush()
			case <-p.stop:
				return
			}
		}
	}()
	return nil
}

func (p *semanticProcessor) shutdown(ctx context.Context) error {
	if p.started {
		p.stopOnce.Do(func() { close(p.stop) })
		select {
		case <-p.done:
		case <-ctx.Done():
		}
	}
	p.telemetry.Shutdown()
	return nil
}

// verdictFor returns the cached verdict of m; compliant metrics return okVerdict.
func (p *semanticProcessor) verdictFor(m pmetric.Metric) *verdict {
	k := cacheKey{name: m.Name(), unit: m.Unit(), typ: m.Type()}
	if k.typ == pmetric.MetricTypeSum {
		k.mono = m.Sum().IsMonotonic()
	}
	if v, ok := p.analyzer.oversizedVerdict(k); ok {
		return v // never cached: the key would hold the whole string
	}
	if v, ok := p.cache.get(k); ok {
		return v
	}
	v := p.analyzer.analyze(k)
	p.cache.put(k, v)
	return v
}

func (p *semanticProcessor) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	anyDropped := false
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		service, haveService := "", false
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			var removed []bool
			for k := 0; k < ms.Len(); k++ {
				// Abandoned requests (client gone, shutdown) stop here: one
				// atomic load per metric, nothing per data point.
				if err := ctx.Err(); err != nil {
					return md, fmt.Errorf("semanticmetrics: processing stopped: %w", err)
				}
				m := ms.At(k)
				v := p.verdictFor(m)
				if v == okVerdict {
					continue
				}
				valueVerdict := v.valueVerdict(m) // the data as received
				if len(v.findings) == 0 && valueVerdict == nil {
					continue
				}
				if !haveService {
					service, haveService = serviceName(rm.Resource()), true
				}
				o := p.act(ctx, metricInScope{service: service, metrics: ms, idx: k, removed: removed}, v, valueVerdict)
				anyDropped = anyDropped || o == metricDropped
				if o.removed() {
					if removed == nil {
						removed = make([]bool, ms.Len())
					}
					removed[k] = true
				}
			}
			if removed != nil {
				idx := 0
				ms.RemoveIf(func(pmetric.Metric) bool {
					r := removed[idx]
					idx++
					return r
				})
			}
		}
	}
	if anyDropped {
		rms.RemoveIf(func(rm pmetric.ResourceMetrics) bool {
			rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool { return sm.Metrics().Len() == 0 })
			return rm.ScopeMetrics().Len() == 0
		})
		if rms.Len() == 0 {
			return md, processorhelper.ErrSkipProcessingData
		}
	}
	return md, nil
}

func serviceName(res pcommon.Resource) string {
	if v, ok := res.Attributes().Get(serviceNameKey); ok {
		return v.AsString()
	}
	return ""
}
