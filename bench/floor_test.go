package bench

import (
	"fmt"
	"testing"
)

// BenchmarkFloor measures the floor: decoding the benchmark's OTLP requests
// with pdata and encoding them again (and, for "+gzip", compressing them as
// both exporters do). Run it with
//
//	go test -run '^$' -bench Floor ./bench/
//
// The cpu-s/Mitems metric is CPU seconds per million items (spans, data points
// or log records) on one goroutine, the unit the driver reports for the
// collectors.
func BenchmarkFloor(b *testing.B) {
	mix := map[string][]Payload{}
	var all []Payload
	for _, sig := range Signals {
		ps, err := BuildPayloads(sig, PayloadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		mix[sig.String()] = ps
		all = append(all, ps...)
	}
	mix["mix"] = all
	for _, name := range []string{"traces", "metrics", "logs", "mix"} {
		for _, gz := range []bool{false, true} {
			label := "decode+encode"
			if gz {
				label += "+gzip"
			}
			b.Run(fmt.Sprintf("%s/%s", name, label), func(b *testing.B) {
				var g *Gzipper
				if gz {
					g = NewGzipper()
				}
				ps := mix[name]
				items, bytes := 0, 0
				for _, p := range ps {
					items += p.Items
					bytes += len(p.Body)
				}
				b.SetBytes(int64(bytes / len(ps)))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := FloorWork(ps[i%len(ps)], g); err != nil {
						b.Fatal(err)
					}
				}
				perItem := b.Elapsed().Seconds() / (float64(b.N) * float64(items) / float64(len(ps)))
				b.ReportMetric(perItem*1e6, "cpu-s/Mitems")
			})
		}
	}
}
