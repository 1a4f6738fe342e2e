package semanticmetricsprocessor // import "github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor"

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
	an        *analyzer
	cache     *verdictCache
	rep       *reporter
	telemetry *metadata.TelemetryBuilder

	started  bool
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

func newSemanticProcessor(set processor.Settings, cfg *Config) (*semanticProcessor, error) {
	an, err := newAnalyzer(cfg)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &semanticProcessor{
		cfg:       cfg,
		an:        an,
		cache:     newVerdictCache(cfg.CacheSize, verdictCacheMaxBytes),
		rep:       newReporter(set.Logger),
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
		p.rep.store = sp.FindingsStore()
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
				p.rep.flush()
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
	if v, ok := p.an.oversizedVerdict(k); ok {
		return v // never cached: the key would hold the whole string
	}
	if v, ok := p.cache.get(k); ok {
		return v
	}
	v := p.an.analyze(k)
	p.cache.put(k, v)
	return v
}

func (p *semanticProcessor) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	dropped := false
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		service, haveService := "", false
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			var remove []bool
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
				// Value checks (V1, H1) look at the data as received.
				var value *verdict
				if v.scan != scanNone && !v.drop {
					switch scanTrips(v.scan, m) {
					case scanValue:
						value = v.value
					case scanLayout:
						value = v.layout
					}
				}
				trips := value != nil
				if len(v.findings) == 0 && !trips {
					continue
				}
				if !haveService {
					service, haveService = serviceName(rm.Resource()), true
				}
				var drop, removeIt bool
				name, unit := m.Name(), m.Unit() // as received, for the value finding
				if len(v.findings) > 0 {
					drop, removeIt = p.handle(ctx, service, ms, k, m, v, remove)
				}
				if trips && !removeIt && p.handleValue(ctx, service, name, unit, m, value) {
					drop, removeIt = true, true
				}
				dropped = dropped || drop
				if removeIt {
					if remove == nil {
						remove = make([]bool, ms.Len())
					}
					remove[k] = true
				}
			}
			if remove != nil {
				idx := 0
				ms.RemoveIf(func(pmetric.Metric) bool {
					r := remove[idx]
					idx++
					return r
				})
			}
		}
	}
	if dropped {
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

// handle acts on one non-compliant metric. drop is true when the metric is
// dropped; remove when it must be removed from ms (dropped or merged).
func (p *semanticProcessor) handle(ctx context.Context, service string, ms pmetric.MetricSlice, idx int, m pmetric.Metric, v *verdict, remove []bool) (drop, removeIt bool) {
	name, unit := m.Name(), m.Unit() // for logs: before any rename
	if v.drop {
		p.rep.report(service, name, unit, v, false)
		for i := range v.findings {
			p.telemetry.ProcessorSemanticmetricsViolations.Add(ctx, 1, v.findings[i].optUnfixed)
		}
		p.telemetry.ProcessorSemanticmetricsMetricsDropped.Add(ctx, 1)
		p.telemetry.ProcessorSemanticmetricsDatapointsDropped.Add(ctx, int64(dataPointCount(m)))
		return true, true
	}
	fixed, merged := false, false
	if v.plan != nil {
		if v.dup != nil && hasOther(ms, idx, v.plan.rename, remove) {
			// The legacy copy of a /dup migration: the target carries the same measurements.
			p.rep.report(service, name, unit, v.dup, false)
			p.telemetry.ProcessorSemanticmetricsViolations.Add(ctx, 1, v.dup.findings[0].optUnfixed)
			p.telemetry.ProcessorSemanticmetricsMetricsDropped.Add(ctx, 1)
			p.telemetry.ProcessorSemanticmetricsDatapointsDropped.Add(ctx, int64(dataPointCount(m)))
			return true, true
		}
		fixed, merged = p.applyPlan(ctx, ms, idx, m, v.plan, remove)
	}
	p.rep.report(service, name, unit, v, fixed)
	for i := range v.findings {
		f := &v.findings[i]
		if fixed && f.fix {
			p.telemetry.ProcessorSemanticmetricsViolations.Add(ctx, 1, f.optFixed)
		} else {
			p.telemetry.ProcessorSemanticmetricsViolations.Add(ctx, 1, f.optUnfixed)
		}
	}
	ann := v.annotation
	if !fixed {
		ann = v.annotationUnfixed
	}
	if ann != "" && !merged {
		annotate(m, ann, p.cfg.AnnotateAttributes)
		p.telemetry.ProcessorSemanticmetricsMetricsAnnotated.Add(ctx, 1)
	}
	return false, merged
}

func isRemoved(remove []bool, idx int) bool { return remove != nil && remove[idx] }

// hasOther reports whether ms holds, besides ms[idx] and removed metrics, a
// metric named name.
func hasOther(ms pmetric.MetricSlice, idx int, name string, remove []bool) bool {
	for j := 0; j < ms.Len(); j++ {
		if j != idx && !isRemoved(remove, j) && ms.At(j).Name() == name {
			return true
		}
	}
	return false
}

// applyPlan renames, converts and relabels m; all or nothing. merged is true
// when m's points were moved into an existing metric of the target name.
func (p *semanticProcessor) applyPlan(ctx context.Context, ms pmetric.MetricSlice, idx int, m pmetric.Metric, pl *plan, remove []bool) (applied, merged bool) {
	newUnit := m.Unit()
	if pl.setUnit {
		newUnit = pl.unit
	}
	if pl.rename != "" {
		for j := 0; j < ms.Len(); j++ {
			if j == idx || isRemoved(remove, j) {
				continue
			}
			host := ms.At(j)
			if host.Name() != pl.rename {
				continue
			}
			// An alias or Prometheus spelling (not a semconv generation) of
			// the target: two sources of distinct series, merged when compatible.
			// Collision: merge only when kind, unit and temporality agree.
			if !mergeable(m, host, newUnit) {
				return false, false
			}
			if pl.conv != nil {
				if !pl.conv.apply(m) {
					return false, false
				}
				p.telemetry.ProcessorSemanticmetricsMetricsConverted.Add(ctx, 1)
			}
			moveDataPoints(m, host)
			p.telemetry.ProcessorSemanticmetricsMetricsRenamed.Add(ctx, 1)
			return true, true
		}
	}
	if pl.conv != nil {
		if !pl.conv.apply(m) {
			return false, false
		}
		p.telemetry.ProcessorSemanticmetricsMetricsConverted.Add(ctx, 1)
	}
	if pl.rename != "" {
		m.SetName(pl.rename)
		p.telemetry.ProcessorSemanticmetricsMetricsRenamed.Add(ctx, 1)
	}
	if pl.setUnit {
		m.SetUnit(pl.unit)
	}
	return true, false
}

func mergeable(m, host pmetric.Metric, unit string) bool {
	if m.Type() != host.Type() || host.Unit() != unit {
		return false
	}
	switch m.Type() {
	case pmetric.MetricTypeSum:
		return m.Sum().AggregationTemporality() == host.Sum().AggregationTemporality() &&
			m.Sum().IsMonotonic() == host.Sum().IsMonotonic()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().AggregationTemporality() == host.Histogram().AggregationTemporality()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().AggregationTemporality() == host.ExponentialHistogram().AggregationTemporality()
	}
	return true
}

func moveDataPoints(from, to pmetric.Metric) {
	switch from.Type() {
	case pmetric.MetricTypeGauge:
		from.Gauge().DataPoints().MoveAndAppendTo(to.Gauge().DataPoints())
	case pmetric.MetricTypeSum:
		from.Sum().DataPoints().MoveAndAppendTo(to.Sum().DataPoints())
	case pmetric.MetricTypeHistogram:
		from.Histogram().DataPoints().MoveAndAppendTo(to.Histogram().DataPoints())
	case pmetric.MetricTypeExponentialHistogram:
		from.ExponentialHistogram().DataPoints().MoveAndAppendTo(to.ExponentialHistogram().DataPoints())
	case pmetric.MetricTypeSummary:
		from.Summary().DataPoints().MoveAndAppendTo(to.Summary().DataPoints())
	}
}

// annotate writes the rule ids to the metric metadata, and to every data
// point's attributes when attrs is set.
func annotate(m pmetric.Metric, ids string, attrs bool) {
	m.Metadata().PutStr(AnnotationKey, ids)
	if !attrs {
		return
	}
	forEachAttributes(m, func(a pcommon.Map) { a.PutStr(AnnotationKey, ids) })
}

func forEachAttributes(m pmetric.Metric, f func(pcommon.Map)) {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		for i := 0; i < m.Gauge().DataPoints().Len(); i++ {
			f(m.Gauge().DataPoints().At(i).Attributes())
		}
	case pmetric.MetricTypeSum:
		for i := 0; i < m.Sum().DataPoints().Len(); i++ {
			f(m.Sum().DataPoints().At(i).Attributes())
		}
	case pmetric.MetricTypeHistogram:
		for i := 0; i < m.Histogram().DataPoints().Len(); i++ {
			f(m.Histogram().DataPoints().At(i).Attributes())
		}
	case pmetric.MetricTypeExponentialHistogram:
		for i := 0; i < m.ExponentialHistogram().DataPoints().Len(); i++ {
			f(m.ExponentialHistogram().DataPoints().At(i).Attributes())
		}
	case pmetric.MetricTypeSummary:
		for i := 0; i < m.Summary().DataPoints().Len(); i++ {
			f(m.Summary().DataPoints().At(i).Attributes())
		}
	}
}

func dataPointCount(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}
