package semanticmetricsprocessor

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// The attack shapes of issue 9, full size.
var (
	deepParens   = strings.Repeat("(", 1_500_000) + "s" + strings.Repeat(")", 1_500_000)
	manyTerms    = strings.TrimSuffix(strings.Repeat("Ys32.", 20_000), ".")
	hugeFactor   = "1" + strings.Repeat("0", 999_999)
	longName     = "acme." + strings.Repeat("a", 300)
	mebibyteUnit = strings.Repeat("{", 1) + strings.Repeat("x", 1<<20-2) + "}"
)

// Oversized names and units are one finding each, in every mode, and are
// never parsed (the 1.5M parens used to overflow the stack), cached or fixed.
func TestOversizedNameAndUnit(t *testing.T) {
	cases := []struct {
		name, metric, unit string
		rules              []string
	}{
		{"1.5M parens", "acme.latency", deepParens, []string{RuleUnitTooLong}},
		{"20,000 terms", "acme.latency", manyTerms, []string{RuleUnitTooLong}},
		{"1,000,000-digit factor", "acme.latency", hugeFactor, []string{RuleUnitTooLong}},
		{"registry metric, huge unit", "http.server.request.duration", deepParens, []string{RuleUnitTooLong}},
		{"300-byte name", longName, "s", []string{RuleNameTooLong}},
		{"both", longName, mebibyteUnit, []string{RuleNameTooLong, RuleUnitTooLong}},
	}
	for _, mode := range []Action{ActionWarn, ActionAnnotate, ActionNormalize, ActionDrop} {
		for _, tc := range cases {
			t.Run(string(mode)+"/"+tc.name, func(t *testing.T) {
				h := newHarness(t, func(c *Config) { c.Mode = mode; c.Ignore = []string{"^acme"} })
				md, ms := newMD("svc")
				addGauge(ms, tc.metric, tc.unit, 1)
				addGauge(ms, "acme.ok", "s", 1) // ignored, unaffected
				out := h.run(t, md)

				var got []string
				for _, e := range h.logs.FilterMessageSnippet(findingMessagePrefix).All() {
					got = append(got, e.ContextMap()["rule"].(string))
					assert.Equal(t, "violation", e.ContextMap()["level"])
				}
				assert.Equal(t, tc.rules, got)

				ms = out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
				if mode == ActionDrop {
					require.Equal(t, 1, ms.Len())
					assert.Equal(t, "acme.ok", ms.At(0).Name())
					return
				}
				require.Equal(t, 2, ms.Len())
				m := ms.At(0)
				assert.Equal(t, tc.metric, m.Name(), "never renamed")
				assert.Equal(t, tc.unit, m.Unit(), "never normalized")
				ann, annotated := m.Metadata().Get(AnnotationKey)
				assert.Equal(t, mode != ActionWarn, annotated)
				if annotated {
					assert.Equal(t, strings.Join(tc.rules, ","), ann.Str())
				}
			})
		}
	}
}

// Neither verdicts nor reporter keys keep an oversized string: 8,000 metrics
// with unique 100 KB units used to keep 1.82 GB live.
func TestOversizedNotRetained(t *testing.T) {
	p := newTestSemanticProcessor(t, func(c *Config) { c.Mode = ActionAnnotate })
	heapBefore := liveHeap()
	const n, size = 8000, 100 << 10
	for i := 0; i < n; i += 100 {
		md, ms := newMD("svc")
		for j := i; j < i+100; j++ {
			addGauge(ms, fmt.Sprintf("acme.m%d", j), fmt.Sprintf("{%0*d}", size-2, j), 1)
		}
		_, err := p.processMetrics(context.Background(), md)
		require.NoError(t, err)
	}
	heapAfter := liveHeap()
	t.Logf("live heap after %d unique %d KB units: %+d KB", n, size>>10, int64(heapAfter-heapBefore)>>10)
	assert.Zero(t, p.cache.len(), "oversized verdicts are not cached")
	assert.Len(t, p.reporter.keys, 1, "one key per service for all oversized units")
	assert.Less(t, int64(heapAfter)-int64(heapBefore), int64(16<<20))
}

// The verdict cache and the reporter keep to their byte budgets with keys at
// the length bounds, and their estimates are not below the heap they hold.
func TestCacheByteBudgets(t *testing.T) {
	a, err := newAnalyzer(createDefaultConfig().(*Config))
	require.NoError(t, err)
	key := func(i int) cacheKey {
		n := strconv.Itoa(i)
		return cacheKey{name: "Acme_" + strings.Repeat("X", maxNameBytes-5-len(n)-6) + n + "_total", unit: strings.Repeat("q", maxUnitBytes-len(n)) + n}
	}
	k0 := key(0)
	require.Len(t, k0.name, maxNameBytes)
	require.Len(t, k0.unit, maxUnitBytes)
	require.NotEqual(t, okVerdict, a.analyze(k0))

	const budget = 4 << 20
	heapBefore := liveHeap()
	c := newVerdictCache(1_000_000, budget)
	r := newReporter(zap.NewNop())
	for i := range 8000 {
		k := key(i)
		v := a.analyze(k)
		c.put(k, v)
		r.report(strings.Repeat("s", 1000)+k.unit, k.name, k.unit, v, false)
	}
	heap := int64(liveHeap()) - int64(heapBefore)
	entries, cached := c.usage()
	t.Logf("verdict cache: %d entries, %d KB estimated; reporter: %d keys, %d KB estimated; live heap %d KB",
		entries, cached>>10, len(r.keys), r.keyBytes>>10, heap>>10)
	assert.LessOrEqual(t, cached, budget)
	assert.Greater(t, cached, budget/2, "the test fills the cache")
	assert.Less(t, entries, 8000, "the byte budget evicted")
	assert.LessOrEqual(t, r.keyBytes, maxReportBytes)
	// Estimates against the heap: the cache and the reporter hold the same
	// verdicts, so their sum is an upper bound of what both keep.
	assert.Greater(t, int64(cached+r.keyBytes), heap/2, "estimates far below the heap")
	runtime.KeepAlive(c)
	runtime.KeepAlive(r)
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// 15 gauges with 1 MiB units in one request used to write 21 MB of log.
func TestLogBoundedOnHugeInput(t *testing.T) {
	var buf bytes.Buffer
	obsCore, logs := observer.New(zapcore.InfoLevel)
	jsonCore := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&buf), zapcore.InfoLevel)
	p := newTestSemanticProcessor(t, nil)
	p.reporter = newReporter(zap.New(zapcore.NewTee(obsCore, jsonCore)))

	hugeService := strings.Repeat("é", 1<<19) // 1 MiB of 2-byte runes
	md, ms := newMD(hugeService)
	in := 0
	for i := range 15 {
		unit := fmt.Sprintf("{%d", i) + strings.Repeat("x", 1<<20)
		name := "acme.gauge_" + strings.Repeat("日", 100) + strconv.Itoa(i) // 300+ bytes: name.too_long
		if i%2 == 0 {
			name = "acme.gauge" + strconv.Itoa(i)
		}
		addGauge(ms, name, unit, 1)
		in += len(unit) + len(name)
	}
	_, err := p.processMetrics(context.Background(), md)
	require.NoError(t, err)
	p.reporter.flush()

	entries := logs.All()
	require.NotEmpty(t, entries)
	t.Logf("%d MB of names and units in, %d log lines, %d bytes of log", in>>20, len(entries), buf.Len())
	assert.Less(t, buf.Len(), 8<<10)
	for _, e := range entries {
		for key, val := range e.ContextMap() {
			s, ok := val.(string)
			if !ok {
				continue
			}
			bound := maxLogFieldBytes
			if key == "detail" {
				bound = maxLogDetailBytes
			}
			assert.LessOrEqual(t, len(s), bound, key)
			assert.True(t, utf8.ValidString(s), key)
		}
	}
	finding := logs.FilterMessageSnippet(findingMessagePrefix).All()[0].ContextMap()
	assert.True(t, strings.HasSuffix(finding["service.name"].(string), "é…"), finding["service.name"])
	assert.True(t, strings.HasSuffix(finding["unit"].(string), "x…"), finding["unit"])
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"", 8, ""},
		{"abcdefgh", 8, "abcdefgh"},
		{"abcdefghi", 8, "abcde…"},
		{"ééééé", 8, "éé…"},                                      // 10 bytes; é is 2 bytes: cut after 2 runes
		{"a日日日", 8, "a日…"},                                       // 日 is 3 bytes: never cut through it
		{"ab😀😀", 8, "ab…"},                                       // 😀 is 4 bytes
		{"\x80\x80\x80\x80\x80\x80\x80\x80\x80", 8, "\x80\x80…"}, // invalid UTF-8: backs up at most 3 bytes
	} {
		assert.Equal(t, tc.want, truncate(tc.in, tc.max), "%q", tc.in)
	}
}

// A cancelled request stops between metrics: nothing more is analysed and
// the error says why.
func TestCancelledContextStops(t *testing.T) {
	p := newTestSemanticProcessor(t, nil)
	md, ms := newMD("svc")
	for i := range 100 {
		addGauge(ms, fmt.Sprintf("acme.unknown_%d_seconds", i), "ms", 1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.processMetrics(ctx, md)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "semanticmetrics: processing stopped: context canceled", err.Error())
	require.NotErrorIs(t, err, processorhelper.ErrSkipProcessingData)
	assert.Zero(t, p.cache.len(), "no metric analysed")

	h := newHarness(t, nil)
	md, ms = newMD("svc")
	addGauge(ms, "acme.x", "s", 1)
	require.ErrorIs(t, h.proc.ConsumeMetrics(ctx, md), context.Canceled)
	assert.Empty(t, h.sink.AllMetrics(), "nothing forwarded")
}

// The summary tracks at most maxSummaryServices services between two
// flushes (one line each); the rest are counted together.
func TestSummaryServicesBounded(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	r := newReporter(zap.New(core))
	v := &verdict{findings: []finding{{rule: RuleNameTotalSuffix, action: ActionWarn}}}
	for i := range maxSummaryServices + 500 {
		r.report(fmt.Sprintf("svc-%05d", i), "orders_total", "1", v, false)
		if i == 700 { // part of the services reach the totals through a fold
			r.mu.Lock()
			r.foldLocked()
			r.mu.Unlock()
		}
	}
	r.flush()
	sum := logs.FilterMessage("semantic metrics summary").All()
	require.Len(t, sum, maxSummaryServices+1)
	var total int64
	for _, e := range sum {
		total += e.ContextMap()["findings"].(int64)
	}
	assert.Equal(t, int64(maxSummaryServices+500), total, "every finding counted")
	assert.Equal(t, otherServices, sum[0].ContextMap()["service.name"])
	assert.Equal(t, int64(500), sum[0].ContextMap()["findings"])
}

// verdict.bytes, which the byte budgets count, follows the heap a verdict
// holds, for small and for maximal verdicts.
func TestVerdictBytesEstimate(t *testing.T) {
	a, err := newAnalyzer(createDefaultConfig().(*Config))
	require.NoError(t, err)
	for name, key := range map[string]func(i int) cacheKey{
		"one finding": func(i int) cacheKey { return cacheKey{name: fmt.Sprintf("acme.x%d", i), unit: "seconds"} },
		"three findings": func(i int) cacheKey {
			return cacheKey{name: fmt.Sprintf("Acme_%d_total", i), unit: fmt.Sprintf("q%d", i)}
		},
		"at the bounds": func(i int) cacheKey {
			n := strconv.Itoa(i)
			return cacheKey{name: "Acme_" + strings.Repeat("X", maxNameBytes-11-len(n)) + n + "_total", unit: strings.Repeat("q", maxUnitBytes)}
		},
	} {
		keys := make([]cacheKey, 3000)
		for i := range keys {
			keys[i] = key(i)
		}
		vs := make([]*verdict, len(keys))
		before := liveHeap()
		estimate := 0
		for i := range keys {
			vs[i] = a.analyze(keys[i])
			estimate += vs[i].bytes()
		}
		heap := int(liveHeap() - before)
		t.Logf("%s: %d findings, %d bytes per verdict on the heap, %d estimated", name, len(vs[0].findings), heap/len(vs), estimate/len(vs))
		assert.GreaterOrEqual(t, estimate, heap*3/4, name)
		assert.LessOrEqual(t, estimate, heap*2, name)
		runtime.KeepAlive(vs)
	}
}
