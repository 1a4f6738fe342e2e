package semanticmetricsprocessor

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/obtraceai/otelcol-obtrace/semanticfindingsextension"
)

const (
	// maxReportKeys bounds the (service.name, verdict) keys tracked between
	// two summaries; past it, the keys are cleared (and may be logged again).
	maxReportKeys = 10000
	// maxReportBytes is the byte budget of those keys (estimated: service
	// name, metric name, the verdict each key keeps alive, reportKeyOverhead);
	// past it, the keys are cleared too.
	maxReportBytes    = 16 << 20
	reportKeyOverhead = 160
	// maxSummaryServices bounds the services counted between two summaries
	// (one summary line each); findings of further services are counted
	// under otherServices.
	maxSummaryServices = 1000
	otherServices      = "(other services)"
	// maxLogsPerSecond rate-limits finding log lines across all keys.
	maxLogsPerSecond = 20
	// summaryTopN is the number of rules listed per service in the summary.
	summaryTopN = 5
)

// reportKey identifies a metric (through its cached verdict: name, unit,
// type, monotonic) within a service. One map operation per non-compliant
// metric both deduplicates log lines and counts findings.
type reportKey struct {
	service string
	v       *verdict
}

type reportEntry struct {
	metric string
	count  int64 // occurrences since the last summary
	logged bool
	// rows are the findings page's rows of the verdict's findings (one per
	// finding, in order), recorded on first sight; later sightings are
	// counted on them without a lookup or an allocation.
	rows []*semanticfindingsextension.Entry
}

// reporter logs the findings of each distinct (service.name, metric) once —
// one line per rule — with a global rate limit, and keeps per-service counts
// for the periodic summary.
type reporter struct {
	logger *zap.Logger
	now    func() time.Time

	mu          sync.Mutex
	keys        map[reportKey]*reportEntry
	keyBytes    int                         // estimated bytes held by keys
	totals      map[string]map[string]int64 // service -> rule -> findings, folded from evicted keys
	windowStart time.Time
	windowCount int
	suppressed  int64
	// store is the semanticfindings extension's (config `findings`); nil: none.
	store *semanticfindingsextension.Store
}

func newReporter(logger *zap.Logger) *reporter {
	return &reporter{
		logger: logger,
		now:    time.Now,
		keys:   map[reportKey]*reportEntry{},
		totals: map[string]map[string]int64{},
	}
}

// report records one occurrence of a non-compliant metric and logs its
// findings the first time the (service, metric) pair is seen. Every string
// kept or logged is truncated (bounds.go): they all come from clients.
func (r *reporter) report(service, metricName, unit string, v *verdict, fixed bool) {
	service = truncate(service, maxLogFieldBytes)
	r.mu.Lock()
	defer r.mu.Unlock()
	k := reportKey{service: service, v: v}
	e := r.keys[k]
	if e == nil {
		metricName = truncate(metricName, maxLogFieldBytes)
		size := reportKeyOverhead + len(service) + len(metricName) + v.bytes()
		if len(r.keys) >= maxReportKeys || r.keyBytes+size > maxReportBytes {
			r.foldLocked()
		}
		k.service = strings.Clone(service)
		e = &reportEntry{metric: strings.Clone(metricName)}
		r.keys[k] = e
		r.keyBytes += size
	}
	e.count++
	if r.store != nil {
		r.publish(e, service, metricName, unit, v, fixed)
	}
	if e.logged {
		return
	}
	if !r.allow() {
		r.suppressed += int64(len(v.findings))
		return
	}
	e.logged = true
	for i := range v.findings {
		f := &v.findings[i]
		// The message names the rule and the metric: the collector's log
		// sampler (zap: the first 10 lines a second of one message, then every
		// 100th) counts per message, so finding lines, already deduplicated and
		// rate-limited here, are not thrown away as repeats of one another.
		r.logger.Warn(findingMessage(f.rule, metricName),
			zap.String("service.name", service),
			zap.String("metric", truncate(metricName, maxLogFieldBytes)),
			zap.String("unit", truncate(unit, maxLogFieldBytes)),
			zap.String("rule", f.rule),
			zap.String("level", f.level.String()),
			zap.String("action", string(takenAction(f, v, fixed))),
			zap.String("detail", truncate(f.msg, maxLogDetailBytes)),
		)
	}
}

// publish records v's findings into the findings page's store on e's first
// sight, and counts later sightings on the rows it returned (recording a
// finding again when the store has evicted its row).
func (r *reporter) publish(e *reportEntry, service, metricName, unit string, v *verdict, fixed bool) {
	now := r.now()
	if e.rows == nil {
		e.rows = make([]*semanticfindingsextension.Entry, len(v.findings))
	}
	for i := range v.findings {
		if row := e.rows[i]; row != nil && row.Seen(now) {
			continue
		}
		f := &v.findings[i]
		e.rows[i] = r.store.Record(semanticfindingsextension.Finding{
			Service: service, Metric: metricName, Unit: unit, Rule: f.rule, Level: f.level.String(),
			Action: string(takenAction(f, v, fixed)), Normalize: normalizeText(f, v), Detail: f.msg,
		}, now)
	}
}

// normalizeText says what the normalize action does, or would do, about f
// (the verdict's proposed plan, when it resolves f); empty when it has no fix.
func normalizeText(f *finding, v *verdict) string {
	p := v.proposed
	if !f.fixable || p == nil {
		return ""
	}
	var parts []string
	if p.rename != "" {
		parts = append(parts, "rename to "+p.rename)
	}
	if p.setUnit {
		parts = append(parts, "unit "+strconv.Quote(p.unit))
	}
	if p.conv != nil {
		parts = append(parts, "values converted to the new unit")
	}
	return strings.Join(parts, "; ")
}

// foldLocked moves the counts of every key into totals and forgets the keys.
func (r *reporter) foldLocked() {
	for k, e := range r.keys {
		countInto(r.totals, k, e.count)
	}
	clear(r.keys)
	r.keyBytes = 0
}

// countInto adds n occurrences of k's findings to totals (service -> rule ->
// findings), under otherServices once totals holds maxSummaryServices.
func countInto(totals map[string]map[string]int64, k reportKey, n int64) {
	if n == 0 {
		return
	}
	sc := totals[k.service]
	if sc == nil && len(totals) >= maxSummaryServices {
		sc = totals[otherServices]
		k.service = otherServices
	}
	if sc == nil {
		sc = map[string]int64{}
		totals[k.service] = sc
	}
	for i := range k.v.findings {
		sc[k.v.findings[i].rule] += n
	}
}

// takenAction is the action taken on f: normalize only when the plan that
// resolves it was applied (fixed).
func takenAction(f *finding, v *verdict, fixed bool) Action {
	if !v.drop && f.action == ActionNormalize && f.fix && fixed {
		return ActionNormalize
	}
	return unfixedAction(f.action)
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

// flush logs the top findings per service since the last flush and resets
// the counts. Keys already logged stay logged (until the key set is full).
func (r *reporter) flush() {
	r.mu.Lock()
	totals := r.totals
	r.totals = map[string]map[string]int64{}
	for k, e := range r.keys {
		countInto(totals, k, e.count)
		e.count = 0
	}
	suppressed := r.suppressed
	r.suppressed = 0
	r.mu.Unlock()

	services := make([]string, 0, len(totals))
	for s := range totals {
		services = append(services, s)
	}
	sort.Strings(services)
	for _, s := range services {
		rc := make([]ruleCount, 0, len(totals[s]))
		var total int64
		for rule, n := range totals[s] {
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

// findingMessage is the log message of a finding line: findingMessagePrefix,
// the rule and the metric name (truncated to maxMessageMetricBytes, braces
// replaced so that the console encoder's JSON fields stay the first '{').
func findingMessage(rule, metricName string) string {
	metricName = truncate(metricName, maxMessageMetricBytes)
	if strings.ContainsAny(metricName, "{}") {
		metricName = strings.NewReplacer("{", "(", "}", ")").Replace(metricName)
	}
	return findingMessagePrefix + " " + rule + " " + metricName
}

const (
	findingMessagePrefix  = "semantic metric finding"
	maxMessageMetricBytes = 128
)
