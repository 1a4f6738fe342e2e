package semanticmetricsprocessor // import "github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor"

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

const (
	// maxReportedKeys bounds the set of (service.name, metric, rule) keys
	// already logged; when it is full it is cleared.
	maxReportedKeys = 10000
	// maxLogsPerSecond rate-limits finding log lines across all keys.
	maxLogsPerSecond = 20
	// maxSummaryServices bounds the services tracked for the periodic summary.
	maxSummaryServices = 1000
	// summaryTopN is the number of rules listed per service in the summary.
	summaryTopN   = 5
	otherServices = "(other services)"
)

type reportKey struct {
	service, metric, rule string
}

// reporter logs one line per distinct (service.name, metric, rule), with a
// global rate limit, and keeps per-service counts for the periodic summary.
type reporter struct {
	logger *zap.Logger
	now    func() time.Time

	mu          sync.Mutex
	reported    map[reportKey]struct{}
	windowStart time.Time
	windowCount int
	suppressed  int64
	counts      map[string]map[string]int64 // service -> rule -> findings
}

func newReporter(logger *zap.Logger) *reporter {
	return &reporter{
		logger:   logger,
		now:      time.Now,
		reported: map[reportKey]struct{}{},
		counts:   map[string]map[string]int64{},
	}
}

// report records the findings of one metric occurrence and logs the ones not
// yet logged for this service and metric.
func (r *reporter) report(service, metricName, unit string, v *verdict, fixed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sc := r.counts[service]
	if sc == nil {
		if len(r.counts) >= maxSummaryServices {
			service = otherServices
			sc = r.counts[service]
		}
		if sc == nil {
			sc = map[string]int64{}
			r.counts[strings.Clone(service)] = sc
		}
	}
	for i := range v.findings {
		f := &v.findings[i]
		if _, ok := sc[f.rule]; ok {
			sc[f.rule]++
		} else {
			sc[f.rule] = 1
		}
		k := reportKey{service: service, metric: metricName, rule: f.rule}
		if _, ok := r.reported[k]; ok {
			continue
		}
		if !r.allow() {
			r.suppressed++
			continue
		}
		if len(r.reported) >= maxReportedKeys {
			clear(r.reported)
		}
		k.service, k.metric = strings.Clone(k.service), strings.Clone(k.metric)
		r.reported[k] = struct{}{}
		r.logger.Warn("semantic metric finding",
			zap.String("service.name", service),
			zap.String("metric", metricName),
			zap.String("unit", unit),
			zap.String("rule", f.rule),
			zap.String("level", f.level.String()),
			zap.String("action", string(takenAction(f, v, fixed))),
			zap.String("detail", f.msg),
		)
	}
}

func takenAction(f *finding, v *verdict, fixed bool) Action {
	switch {
	case v.drop:
		return ActionDrop
	case f.action == ActionNormalize && f.fix && fixed:
		return ActionNormalize
	case f.action == ActionNormalize:
		return ActionAnnotate
	}
	return f.action
}

func (r *reporter) allow() bool {
	now := r.now()
	if now.Sub(r.windowStart) >= time.Second {
		r.windowStart, r.windowCount = now, 0
	}
	if r.windowCount >= maxLogsPerSecond {
		return false
	}
	r.windowCount++
	return true
}

type ruleCount struct {
	rule  string
	count int64
}

// flush logs the top findings per service since the last flush and resets the counts.
func (r *reporter) flush() {
	r.mu.Lock()
	counts := r.counts
	suppressed := r.suppressed
	r.counts = map[string]map[string]int64{}
	r.suppressed = 0
	r.mu.Unlock()

	services := make([]string, 0, len(counts))
	for s := range counts {
		services = append(services, s)
	}
	sort.Strings(services)
	for _, s := range services {
		rc := make([]ruleCount, 0, len(counts[s]))
		var total int64
		for rule, n := range counts[s] {
			rc = append(rc, ruleCount{rule, n})
			total += n
		}
		sort.Slice(rc, func(i, j int) bool {
			if rc[i].count != rc[j].count {
				return rc[i].count > rc[j].count
			}
			return rc[i].rule < rc[j].rule
		})
		if len(rc) > summaryTopN {
			rc = rc[:summaryTopN]
		}
		top := make([]string, len(rc))
		for i, c := range rc {
			top[i] = c.rule + "=" + strconv.FormatInt(c.count, 10)
		}
		r.logger.Info("semantic metrics summary",
			zap.String("service.name", s),
			zap.Int64("findings", total),
			zap.String("top_rules", strings.Join(top, ", ")),
		)
	}
	if suppressed > 0 {
		r.logger.Info("semantic metrics: finding log lines suppressed by the rate limit", zap.Int64("suppressed", suppressed))
	}
}
